"""The audit ledger on its own: chaining, verification and concurrent appends."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Table, text
from sqlalchemy.exc import DBAPIError

from serialtrace.common import idempotency, ledger, telemetry
from serialtrace.common.db import Database
from serialtrace.common.testing import TestDatabases
from serialtrace.common.timeutil import iso
from serialtrace.common.uow import create_shared_tables


@pytest.fixture(params=["default", "sqlite"])
def database(request: pytest.FixtureRequest, test_databases: TestDatabases) -> Iterator[Database]:
    kind = None if request.param == "default" else "sqlite"
    db = Database(test_databases.create("ledger", kind=kind))
    with db.engine.begin() as conn:
        create_shared_tables(conn)
    yield db
    db.dispose()


def entries(n: int, tag: str = "x") -> list[ledger.PendingEntry]:
    return [
        ledger.PendingEntry("thing.done", "thing", f"{tag}{i}", {"i": i, "tag": tag})
        for i in range(n)
    ]


def test_chain_links_each_entry_to_the_previous_hash(database: Database) -> None:
    with database.transaction() as session:
        first = ledger.append(session, "alice", entries(2))
    with database.transaction() as session:
        second = ledger.append(session, "bob", entries(1))
    assert [e.seq for e in first + second] == [1, 2, 3]
    assert first[0].prev_hash == ledger.GENESIS_HASH
    assert first[1].prev_hash == first[0].hash and second[0].prev_hash == first[1].hash
    with database.reader() as session:
        result = ledger.verify(session)
    assert result.ok and result.entries == 3 and result.head_hash == second[0].hash


def test_a_rolled_back_transaction_leaves_no_entry(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction() as session:
        ledger.append(session, "alice", entries(3))
        raise RuntimeError("the change failed")
    with database.reader() as session:
        assert ledger.verify(session).entries == 0


def key_row(key: str) -> list[tuple[Table, list[dict[str, Any]]]]:
    return [(idempotency.idempotency_keys, idempotency.rows("Do", [(key, "fp", b"answer")]))]


_REFUSE_BOOM = """
CREATE FUNCTION refuse_boom() RETURNS trigger AS $$
BEGIN
  IF NEW.entity_id = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_ledger
  FOR EACH ROW EXECUTE FUNCTION refuse_boom();
"""


def test_append_and_commit_commits_the_change_with_its_entries_or_neither(
    database: Database,
) -> None:
    with database.transaction() as session:
        written = ledger.append_and_commit(session, "alice", entries(2), along=key_row("k1"))
    with database.reader() as session:
        assert idempotency.lookup(session, "k1") is not None
        assert ledger.head(session) == (2, written[-1].hash)
    if not database.is_postgres:
        return  # SQLite: append, and the block's own commit
    with database.engine.begin() as conn:  # the database refuses one entry's insert
        conn.execute(text(_REFUSE_BOOM))
    refused = ledger.PendingEntry("thing.done", "thing", "boom", {})
    with pytest.raises(DBAPIError, match="boom refused"), database.transaction() as session:
        ledger.append_and_commit(session, "alice", [*entries(1), refused], along=key_row("k2"))
    with database.reader() as session:
        assert idempotency.lookup(session, "k2") is None  # the change went with its entries
        assert ledger.verify(session).entries == 2
    with database.transaction() as session:  # and the lock went with the rollback
        assert ledger.append_and_commit(session, "bob", entries(1))[0].seq == 3


def run_writers(count: int, writer: Any) -> None:
    """`writer(n)` for n in 0..count-1, each in its own thread, all at once."""
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            writer(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_concurrent_appenders_never_fork_the_chain(database: Database) -> None:
    def writer(n: int) -> None:
        for _ in range(10):
            with database.transaction() as session:
                ledger.append(session, f"w{n}", entries(3, tag=f"w{n}-"))

    run_writers(8, writer)
    with database.reader() as session:
        result = ledger.verify(session)
    assert result.ok and result.entries == 240


def tamper(database: Database, update: str) -> None:
    """Runs `update` on the ledger past its append-only trigger, as a superuser could."""
    drop = (
        "ALTER TABLE audit_ledger DISABLE TRIGGER USER"
        if database.is_postgres
        else "DROP TRIGGER audit_ledger_no_update"
    )
    with database.engine.begin() as conn:
        conn.execute(text(drop))
        conn.execute(text(update))


def test_verify_names_the_first_altered_entry(database: Database) -> None:
    with database.transaction() as session:
        ledger.append(session, "alice", entries(5))
    tamper(database, "UPDATE audit_ledger SET actor = 'mallory' WHERE seq = 4")
    with database.reader() as session:
        result = ledger.verify(session)
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_canonical_json_is_stable_and_compact() -> None:
    assert ledger.canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'
    with pytest.raises(ValueError):
        ledger.canonical_json({"x": float("nan")})


def test_a_postgresql_append_shows_its_lock_wait_and_commit_as_spans(database: Database) -> None:
    if not database.is_postgres:
        pytest.skip("SQLite appends with plain statements, traced as SQL")
    exporter = InMemorySpanExporter()
    provider = telemetry.setup_tracing("ledger-test", None)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        # Outside any recorded span (no call being served) the pipelines make none.
        with database.transaction() as session:
            ledger.append_and_commit(session, "alice", entries(1), along=key_row("j"))
        with provider.get_tracer("test").start_as_current_span("call"):
            with database.transaction() as session:
                ledger.append_and_commit(session, "alice", entries(1), along=key_row("k"))
            with database.transaction() as session:
                ledger.append_and_commit(session, "alice", entries(ledger.CHAINED_IN_SQL + 1))
    finally:
        exporter.shutdown()
    assert [s.name for s in exporter.get_finished_spans()] == [
        "ledger append and COMMIT",  # chained by the database, one round trip
        "ledger lock and head",  # a bigger batch: hashed here, two round trips
        "ledger insert and COMMIT",
        "call",
    ]


# JSON's hard cases: quotes, backslashes, control characters, non-ASCII, U+2028.
_AWKWARD = 'q"uote \\back\nnew\tline \x01 é 日本 \u2028 \U0001f600'


@pytest.mark.parametrize("count", [1, ledger.CHAINED_IN_SQL, ledger.CHAINED_IN_SQL + 1])
def test_entries_hashed_by_the_database_verify_like_those_hashed_here(
    database: Database, count: int
) -> None:
    pending = [
        ledger.PendingEntry("thing.done", "thing", f"{_AWKWARD}{i}", {"text": _AWKWARD, "i": i})
        for i in range(count)
    ]
    with database.transaction() as session:
        ledger.append(session, "alice", entries(1))
    with database.transaction() as session:
        written = ledger.append_and_commit(session, _AWKWARD, pending)
    with database.reader() as session:
        stored = ledger.entries_between(session, 1, count + 1)
        result = ledger.verify(session)
    assert result.ok and result.entries == count + 1
    assert stored[1:] == written
    assert all(e.recomputed_hash() == e.hash for e in written)


def test_concurrent_writes_of_both_sizes_leave_one_chain(database: Database) -> None:
    """Writers chained by the database and writers hashing here, interleaved."""

    def writer(n: int) -> None:
        size = 1 if n % 2 else ledger.CHAINED_IN_SQL + 1
        for _ in range(5):
            with database.transaction() as session:
                ledger.append_and_commit(session, f"w{n}", entries(size, tag=f"w{n}-"))

    run_writers(8, writer)
    with database.reader() as session:
        result = ledger.verify(session)
    assert result.ok and result.entries == 4 * 5 * 1 + 4 * 5 * (ledger.CHAINED_IN_SQL + 1)


AWKWARD_TEXT = 'é "quoted" back\\slash \n\t\x01 \u2028 ✓ 🔋'


def test_an_entry_hash_is_the_sha256_of_its_canonical_json() -> None:
    """The format docs/audit-ledger.md states, built here as a dict through canonical
    JSON; the ledger assembles the same bytes field by field."""
    at = datetime(2026, 12, 1, 10, 0, 0, 7, tzinfo=UTC)
    fields = (7, at, AWKWARD_TEXT, "a.b", "lot", f"SKU:{AWKWARD_TEXT}", AWKWARD_TEXT, "f" * 64)
    seq, _, actor, action, entity_type, entity_id, payload, prev = fields
    documented = ledger.canonical_json(
        {
            "seq": seq,
            "at": iso(at),
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "payload": payload,
            "prev_hash": prev,
        }
    )
    expected = hashlib.sha256(documented.encode("utf-8")).hexdigest()
    assert ledger.entry_hash(*fields) == expected
    assert ledger.entry_hash(seq, iso(at), *fields[2:]) == expected  # `at` given as text
    assert iso(at) == at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_entries_with_awkward_text_verify_and_an_edit_of_one_is_named(
    database: Database,
) -> None:
    pending = [
        ledger.PendingEntry("thing.done", "thing", f"{AWKWARD_TEXT}{i}", {"text": AWKWARD_TEXT})
        for i in range(40)  # past CHAINED_IN_SQL: hashed here, and in SQL below it
    ]
    with database.transaction() as session:
        ledger.append_and_commit(session, AWKWARD_TEXT, pending)
    with database.transaction() as session:
        ledger.append_and_commit(session, "bob", pending[:3])
    with database.reader() as session:
        assert ledger.verify(session).ok
    tamper(database, "UPDATE audit_ledger SET payload = payload || ' ' WHERE seq = 42")
    with database.reader() as session:
        result = ledger.verify(session)
    assert (result.ok, result.first_broken_seq) == (False, 42)


# What someone with the table to themselves might do, and the first seq verification
# must name (None: the chain alone still verifies). The ledger holds 43 entries: 40
# hashed here, 3 by the database (on PostgreSQL), all with awkward text.
TAMPERINGS = {
    "an actor edited": ("UPDATE audit_ledger SET actor = 'mallory' WHERE seq = 7", 7),
    "a payload edited": ("UPDATE audit_ledger SET payload = payload || ' ' WHERE seq = 42", 42),
    "a control character put in": (
        "UPDATE audit_ledger SET entity_id = entity_id || chr(31) WHERE seq = 3",
        3,
    ),
    "a time moved by a microsecond": (
        "UPDATE audit_ledger SET at = at + interval '1 microsecond' WHERE seq = 41",
        41,
    ),
    "a prev_hash edited": ("UPDATE audit_ledger SET prev_hash = hash WHERE seq = 20", 20),
    "a hash edited": ("UPDATE audit_ledger SET hash = prev_hash WHERE seq = 43", 43),
    "an entry removed": ("DELETE FROM audit_ledger WHERE seq = 12", 12),
    "the first entry removed": ("DELETE FROM audit_ledger WHERE seq = 1", 1),
    "the tail removed": ("DELETE FROM audit_ledger WHERE seq > 38", None),
    "an entry renumbered": ("UPDATE audit_ledger SET seq = 100 WHERE seq = 43", 43),
    "two entries swapped": (
        "UPDATE audit_ledger SET seq = -seq WHERE seq IN (30, 31);"
        "UPDATE audit_ledger SET seq = CASE seq WHEN -30 THEN 31 ELSE 30 END WHERE seq < 0",
        30,
    ),
}


def awkward_ledger(database: Database) -> None:
    pending = [
        ledger.PendingEntry("thing.done", "thing", f"{AWKWARD_TEXT}{i}", {"text": AWKWARD_TEXT})
        for i in range(40)
    ]
    with database.transaction() as session:
        ledger.append_and_commit(session, AWKWARD_TEXT, pending)
    with database.transaction() as session:
        ledger.append_and_commit(session, "bob", pending[:3])


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_the_database_and_python_verify_the_same_and_name_the_same_entry(
    database: Database, tampering: str
) -> None:
    if not database.is_postgres:
        pytest.skip("SQLite is verified in Python only")
    awkward_ledger(database)
    watch = [1, 12, 20, 29, 30, 43, 99]
    with database.reader() as session:
        intact = ledger.verify_in_database(session, watch)
        assert intact == ledger.verify_in_python(session, watch)
    assert intact.ok and intact.entries == 43 and intact.hashes.keys() == {1, 12, 20, 29, 30, 43}
    update, first_broken = TAMPERINGS[tampering]
    with database.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # triggers off
        for statement in update.split(";"):
            conn.execute(text(statement))
    with database.reader() as session:
        in_database = ledger.verify_in_database(session, watch)
        assert in_database == ledger.verify_in_python(session, watch)
    assert (in_database.ok, in_database.first_broken_seq) == (first_broken is None, first_broken)
    if first_broken is not None:
        assert in_database.hashes == {s: intact.hashes[s] for s in watch if s < first_broken}


def test_a_time_the_body_cannot_be_built_from_is_a_mismatch_not_a_pass(
    database: Database,
) -> None:
    """to_char of 'infinity' is NULL, and so is every hash built from it: still named.
    (`verify` on PostgreSQL is the database's check: Python could not even read it.)"""
    if not database.is_postgres:
        pytest.skip("PostgreSQL's infinite timestamps")
    awkward_ledger(database)
    with database.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_ledger SET at = 'infinity' WHERE seq = 5"))
    with database.reader() as session:
        result = ledger.verify(session)
    assert (result.ok, result.first_broken_seq, result.entries) == (False, 5, 5)


def test_a_lots_uses_in_other_units_are_left_out_when_asked(database: Database) -> None:
    payloads = [
        {"location": "BIN-1", "quantity": 100.0},  # the receipt: names no unit
        {"parent": "FG/1", "quantity": 1.0},
        {"parent": "FG/2", "quantity": 1.0},  # another unit's evidence
        {"quantity": 0.5, "reference": "SUB/7"},
        {"quantity": 0.5, "reference": "SUB/8"},  # another unit's evidence
        {"note": {"parent": "FG/2"}},  # not a use: the name is not at the top
    ]
    with database.transaction() as session:
        ledger.append(
            session, "alice", [ledger.PendingEntry("lot.x", "lot", "L:1", p) for p in payloads]
        )
        ledger.append(session, "alice", [ledger.PendingEntry("unit.x", "unit", "FG:2", {})])
    ours = {"FG:1", "SUB:7"}
    with database.reader() as session:
        every = ledger.entries_for(session, "lot", ["L:1"])
        kept = ledger.entries_for(session, "lot", ["L:1"], lot_uses_in=ours)
        first_two = ledger.entries_for(session, "lot", ["L:1"], limit=2, lot_uses_in=ours)
        units = ledger.entries_for(session, "unit", ["FG:2"], lot_uses_in=ours)
    assert [e.seq for e in every] == [1, 2, 3, 4, 5, 6]
    assert [e.seq for e in kept] == [1, 2, 4, 6] and kept == [every[i] for i in (0, 1, 3, 5)]
    assert [e.seq for e in first_two] == [1, 2]
    assert [e.seq for e in units] == [7]  # only lot entries are chosen among


def test_32_concurrent_writers_leave_one_gapless_chain_with_every_change(
    database: Database,
) -> None:
    """32 threads, each on its own connection, write changes the way a service does (the
    key's lookup, then its row and one or two entries appended with the COMMIT in one
    round trip); one in four is refused by the database after the lock was taken."""
    if not database.is_postgres:
        pytest.skip("SQLite serializes writers from BEGIN IMMEDIATE")
    with database.engine.begin() as conn:
        conn.execute(text(_REFUSE_BOOM))
    refused: list[str] = []

    def writer(n: int) -> None:
        for i in range(6):
            key, size = f"w{n}-{i}", 1 + (n + i) % 2
            pending = entries(size, tag=f"{key}-")
            if (n + i) % 4 == 0:
                pending.append(ledger.PendingEntry("thing.done", "thing", "boom", {}))
            try:
                with database.transaction() as session:
                    assert idempotency.lookup(session, key) is None
                    ledger.append_and_commit(session, f"w{n}", pending, along=key_row(key))
            except DBAPIError:
                refused.append(key)

    run_writers(32, writer)
    with database.reader() as session:
        result = ledger.verify(session)
        seqs = [s for (s,) in session.execute(text("SELECT seq FROM audit_ledger ORDER BY seq"))]
        ids = {e for (e,) in session.execute(text("SELECT entity_id FROM audit_ledger"))}
        keys = [f"w{n}-{i}" for n in range(32) for i in range(6)]
        stored = idempotency.lookup_many(session, keys)
    written = [(n, i) for n in range(32) for i in range(6) if (n + i) % 4]
    assert len(refused) == 32 * 6 - len(written)
    assert result.ok and result.entries == sum(1 + (n + i) % 2 for n, i in written)
    assert seqs == list(range(1, result.entries + 1))  # no gap, no seq twice
    assert set(stored) == {f"w{n}-{i}" for n, i in written}  # every change with its key
    assert ids == {f"w{n}-{i}-{j}" for n, i in written for j in range(1 + (n + i) % 2)}
