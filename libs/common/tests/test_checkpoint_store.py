"""The checkpoint store on a real database: the schedule signs after N entries, the
table is append-only, and verification reads what was stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from serialtrace.common import checkpoint_store, ledger
from serialtrace.common.config import SigningSettings
from serialtrace.common.db import Database
from serialtrace.common.signing import Signer
from serialtrace.common.testing import TestDatabases
from serialtrace.common.uow import create_shared_tables

SIGNER = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))), "test")
EVERY_5 = SigningSettings(key_text=None, key_file=None, every=5, interval_seconds=0)


@pytest.fixture(params=["default", "sqlite"])
def database(request: pytest.FixtureRequest, test_databases: TestDatabases) -> Iterator[Database]:
    kind = None if request.param == "default" else "sqlite"
    db = Database(test_databases.create("checkpoints", kind=kind))
    with db.engine.begin() as conn:
        create_shared_tables(conn)
        ledger.create_checkpoint_table(conn)
    yield db
    db.dispose()


def append(database: Database, n: int) -> None:
    with database.transaction() as session:
        ledger.append(
            session, "alice", [ledger.PendingEntry("x.done", "x", str(i), {}) for i in range(n)]
        )


def test_the_schedule_signs_once_every_n_entries(database: Database) -> None:
    checkpointer = checkpoint_store.Checkpointer("warehouse", database, SIGNER, EVERY_5)
    append(database, 4)
    assert checkpointer.run_once() is None
    append(database, 3)
    signed = checkpointer.run_once()
    assert signed is not None and signed.seq == 7
    assert checkpointer.run_once() is None  # nothing new since
    append(database, 5)
    again = checkpointer.run_once()
    assert again is not None and again.seq == 12
    with database.reader() as session:
        report = checkpoint_store.verify(session, "warehouse", SIGNER.public_key)
    assert (report.ok, report.checkpoints, report.unsigned_entries) == (True, 2, 0)


def test_the_schedule_signs_an_unchanged_head_again_once_the_interval_passed(
    database: Database,
) -> None:
    hourly = dataclasses.replace(EVERY_5, every=0, interval_seconds=3600)
    checkpointer = checkpoint_store.Checkpointer("warehouse", database, SIGNER, hourly)
    append(database, 2)
    assert checkpointer.run_once() is None
    checkpointer.running_since -= timedelta(hours=1)
    first = checkpointer.run_once()
    assert first is not None and first.seq == 2
    assert checkpointer.run_once() is None


def test_checkpoints_are_append_only_in_the_database(database: Database) -> None:
    append(database, 1)
    with database.transaction() as session:
        checkpoint_store.sign_head(session, "warehouse", SIGNER)
    for statement in ("UPDATE ledger_checkpoints SET seq = 2", "DELETE FROM ledger_checkpoints"):
        with pytest.raises(Exception, match="append-only"), database.engine.begin() as conn:
            conn.execute(text(statement))
