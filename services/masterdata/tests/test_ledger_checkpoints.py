"""Signed checkpoints through the real service: what someone with database rights alone
can do to the ledger, and what verification says of it before and after a checkpoint."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from sqlalchemy import select, text

from serialtrace.common import ledger
from serialtrace.common.testing import backend, rpc_error, sql_engine, unique
from serialtrace.common.timeutil import utcnow
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as pb

Masterdata = Any  # the `fresh_masterdata` fixture (conftest.Masterdata)
postgres_only = pytest.mark.skipif(backend()[0] != "postgresql", reason="needs PostgreSQL")


def changes(md: Masterdata, n: int) -> int:
    """n state changes (one ledger entry each); the ledger head after them."""
    for _ in range(n):
        md.admin.CreateParty(
            pb.CreatePartyRequest(
                party=pb.Party(code=unique("P"), name="Acme", kind=pb.PARTY_KIND_SUPPLIER)
            )
        )
    return int(md.ledger_head())


def verify(md: Masterdata, *kept: core_pb2.LedgerCheckpoint) -> core_pb2.VerifyLedgerResponse:
    return md.ledger("auditor").VerifyLedger(core_pb2.VerifyLedgerRequest(checkpoints=kept))


def sign(md: Masterdata) -> core_pb2.LedgerCheckpoint:
    reply = md.ledger("auditor").SignCheckpoint(core_pb2.SignCheckpointRequest())
    assert "BEGIN PUBLIC KEY" in reply.public_key_pem
    return reply.checkpoint


def as_superuser(md: Masterdata, *statements: str, params: dict[str, Any] | None = None) -> None:
    """What a superuser can do that the service's own role cannot: with every trigger
    off for the session (session_replication_role), the append-only guard is gone."""
    engine = sql_engine(md.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.execute(text(statement), params or {})
    finally:
        engine.dispose()


@postgres_only
def test_a_deleted_tail_passes_before_a_checkpoint_and_is_named_after_one(
    fresh_masterdata: Masterdata,
) -> None:
    md = fresh_masterdata
    head = changes(md, 10)
    as_superuser(md, "DELETE FROM audit_ledger WHERE seq > :s", params={"s": head - 5})
    before = verify(md)
    # The hash chain alone cannot tell: what is left still links up.
    assert (before.ok, before.entries, before.checkpoints) == (True, head - 5, 0)

    head = changes(md, 10)
    checkpoint = sign(md)
    assert (checkpoint.service, checkpoint.seq) == ("masterdata", head)
    assert verify(md).ok
    as_superuser(md, "DELETE FROM audit_ledger WHERE seq > :s", params={"s": head - 5})
    after = verify(md)
    assert (after.service, after.ok, after.first_broken_seq) == ("masterdata", False, head - 4)
    assert f"entries {head - 4}..{head} were removed" in after.problem


@postgres_only
def test_a_rewrite_with_every_later_hash_recomputed_breaks_the_checkpoint(
    fresh_masterdata: Masterdata,
) -> None:
    md = fresh_masterdata
    head = changes(md, 12)
    signed = sign(md)
    rewrite_entry_and_rechain(md, head - 6)
    without = md.ledger("auditor").VerifyLedger(core_pb2.VerifyLedgerRequest())
    assert without.entries == head
    assert (without.ok, without.first_broken_seq) == (False, head)
    assert "rewritten and the hashes after it recomputed" in without.problem
    assert signed.seq == head


@postgres_only
def test_the_same_rewrite_passes_the_chain_alone(fresh_masterdata: Masterdata) -> None:
    md = fresh_masterdata
    head = changes(md, 8)
    rewrite_entry_and_rechain(md, head - 3)
    result = verify(md)
    assert result.ok and result.checkpoints == 0 and result.unsigned_entries == head


def rewrite_entry_and_rechain(md: Masterdata, seq: int) -> None:
    """Changes entry `seq`'s payload and recomputes its hash and every one after it, as
    someone who knows the (public) hashing rule and has the table to themselves would."""
    engine = sql_engine(md.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(ledger.audit_ledger)
                .where(ledger.audit_ledger.c.seq >= seq)
                .order_by(ledger.audit_ledger.c.seq)
            ).all()
    finally:
        engine.dispose()
    prev = rows[0].prev_hash
    updates = []
    for row in rows:
        payload = '{"forged":true}' if row.seq == seq else row.payload
        digest = ledger.entry_hash(
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.entity_type,
            row.entity_id,
            payload,
            prev,
        )
        updates.append({"seq": row.seq, "payload": payload, "prev": prev, "hash": digest})
        prev = digest
    engine = sql_engine(md.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_ledger DISABLE TRIGGER ALL"))
            conn.execute(
                text(
                    "UPDATE audit_ledger SET payload = :payload, prev_hash = :prev, hash = :hash "
                    "WHERE seq = :seq"
                ),
                updates,
            )
            conn.execute(text("ALTER TABLE audit_ledger ENABLE TRIGGER ALL"))
    finally:
        engine.dispose()


@postgres_only
def test_checkpoints_kept_elsewhere_catch_a_tail_deleted_with_its_checkpoints(
    fresh_masterdata: Masterdata,
) -> None:
    md = fresh_masterdata
    head = changes(md, 6)
    kept = sign(md)
    as_superuser(
        md,
        "DELETE FROM ledger_checkpoints",
        "DELETE FROM audit_ledger WHERE seq > :s",
        params={"s": head - 2},
    )
    assert verify(md).ok  # nothing left in the database says otherwise
    result = verify(md, kept)
    assert (result.ok, result.first_broken_seq) == (False, head - 1)


@postgres_only
def test_the_database_refuses_to_change_or_remove_a_checkpoint(
    fresh_masterdata: Masterdata,
) -> None:
    md = fresh_masterdata
    changes(md, 2)
    sign(md)
    engine = sql_engine(md.database_url)
    try:
        for statement in (
            "UPDATE ledger_checkpoints SET seq = 1",
            "DELETE FROM ledger_checkpoints",
            "TRUNCATE ledger_checkpoints",
        ):
            with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_a_forged_checkpoint_row_fails_verification(fresh_masterdata: Masterdata) -> None:
    md = fresh_masterdata
    head = changes(md, 3)
    engine = sql_engine(md.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                ledger.ledger_checkpoints.insert().values(
                    seq=head,
                    hash="0" * 64,
                    signed_at=utcnow(),
                    key_id="f" * 64,
                    signature="AAAA",
                )
            )
    finally:
        engine.dispose()
    result = verify(md)
    assert (result.ok, result.first_broken_seq) == (False, head)
    assert "not the trusted key" in result.problem


def test_only_auditors_and_admins_sign_checkpoints(fresh_masterdata: Masterdata) -> None:
    md = fresh_masterdata
    changes(md, 1)
    error = rpc_error(md.ledger("quality").SignCheckpoint, core_pb2.SignCheckpointRequest())
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert md.ledger("admin").SignCheckpoint(core_pb2.SignCheckpointRequest()).checkpoint.seq == 1
    result = verify(md)
    assert (result.checkpoints, result.last_checkpoint_seq, result.unsigned_entries) == (1, 1, 0)
    assert len(result.key_id) == 64


def test_an_empty_ledger_has_nothing_to_sign(fresh_masterdata: Masterdata) -> None:
    reply = fresh_masterdata.ledger("auditor").SignCheckpoint(core_pb2.SignCheckpointRequest())
    assert not reply.HasField("checkpoint")
