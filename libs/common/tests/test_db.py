"""The shared database layer: a text longer than its column is refused by the bulk
insert, never cut short; a connection the server dropped is replaced, not handed out;
whole entities read without the ORM are what a session reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    select,
    text,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, aliased, mapped_column

from serialtrace.common import ledger
from serialtrace.common.auth import Principal, acting_as
from serialtrace.common.db import (
    IN_CHUNK,
    SCALAR_ARRAY_MOST,
    Database,
    EntityQuery,
    bulk_insert,
    bulk_insert_statement,
    rows_among,
    rows_by_key,
    scalar_arrays,
    where_among,
)
from serialtrace.common.errors import InvalidArgument, Unavailable
from serialtrace.common.testing import TestDatabases
from serialtrace.common.timeutil import as_utc
from serialtrace.common.uow import Mutations, UnitOfWork, create_shared_tables
from serialtrace.core.v1 import core_pb2

metadata = MetaData()
labels = Table(
    "labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(5), nullable=False),
)
keyed = Table(
    "keyed",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("serial", String(100), primary_key=True),
    Column("note", String(20), nullable=False),
)


@pytest.fixture(params=["default", "sqlite"])
def database(request: pytest.FixtureRequest, test_databases: TestDatabases) -> Iterator[Database]:
    kind = None if request.param == "default" else "sqlite"
    db = Database(test_databases.create("bulk", kind=kind))
    metadata.create_all(db.engine)
    yield db
    db.dispose()


def test_a_value_longer_than_its_column_is_refused_naming_the_column(database: Database) -> None:
    refused = r"code may be at most 5 characters; this one has 7"
    with pytest.raises(InvalidArgument, match=refused), database.transaction() as session:
        bulk_insert(session, labels, [{"id": 1, "code": "ABC"}, {"id": 2, "code": "ABCDEFG"}])
    with database.reader() as session:
        assert session.execute(select(labels)).all() == []  # nothing of the batch written


def test_values_that_fit_are_stored_whole(database: Database) -> None:
    with database.transaction() as session:
        bulk_insert(session, labels, [{"id": 1, "code": "ABCDE"}])
    with database.reader() as session:
        assert session.execute(select(labels.c.code)).scalars().all() == ["ABCDE"]


@pytest.mark.parametrize("asked", [3, 2 * IN_CHUNK + 20])
def test_rows_by_key_finds_each_asked_key_once_however_many_are_asked(
    database: Database, asked: int
) -> None:
    """Few keys go as IN-lists; more than IN_CHUNK, on PostgreSQL, as one array join:
    either way each stored row asked for comes back once, repeats and strangers aside."""
    stored = [{"sku": f"S{i % 3}", "serial": f"N{i}", "note": f"n{i}"} for i in range(asked)]
    with database.transaction() as session:
        bulk_insert(session, keyed, stored)
    wanted = [(r["sku"], r["serial"]) for r in stored][::2]
    asked_for = wanted + wanted[:5] + [("S9", "NONE"), ("S0", "N-missing")]
    with database.reader() as session:
        query = select(keyed.c.sku, keyed.c.serial, keyed.c.note)
        found = rows_by_key(session, query, keyed.c.sku, keyed.c.serial, asked_for)
    assert sorted((r.sku, r.serial) for r in found) == sorted(wanted)
    assert {r.note for r in found} == {f"n{i}" for i in range(0, asked, 2)}


# Built once, as a service's trace reads are: the rows of some (sku, serial) keys, with
# another bound value.
_KEYED_WITH_NOTE = where_among(
    select(keyed.c.sku, keyed.c.serial, keyed.c.note).where(keyed.c.note != bindparam("not")),
    keyed.c.sku,
    keyed.c.serial,
)


@pytest.mark.parametrize("asked", [3, 2 * IN_CHUNK + 20])
def test_rows_among_binds_the_keys_and_the_other_values_in_chunks(
    database: Database, asked: int
) -> None:
    """A statement built once finds each asked row once, as plain rows, however many
    keys (IN_CHUNK a statement), with its other bound values applied to every chunk."""
    stored = [{"sku": f"S{i % 3}", "serial": f"N{i}", "note": f"n{i}"} for i in range(asked)]
    with database.transaction() as session:
        bulk_insert(session, keyed, stored)
    wanted = [(r["sku"], r["serial"]) for r in stored]
    with database.reader() as session:
        found = rows_among(session, _KEYED_WITH_NOTE, wanted + wanted[:3], **{"not": "n1"})
        none = rows_among(session, _KEYED_WITH_NOTE, [], **{"not": "n1"})
    assert sorted((r.sku, r.serial) for r in found) == sorted(k for k in wanted if k[1] != "N1")
    assert {r.note for r in found} == {f"n{i}" for i in range(asked)} - {"n1"}
    assert none == []


def test_the_postgresql_statement_itself_never_truncates(database: Database) -> None:
    """Past the check too: the unnest insert casts to unbounded VARCHAR, so the column
    refuses a long value instead of CAST(… AS VARCHAR(5)) silently keeping 5 characters."""
    if not database.is_postgres:
        pytest.skip("the unnest insert is PostgreSQL's")
    with database.transaction() as session:
        sql, params = bulk_insert_statement(session, labels, [{"id": 1, "code": "ABC"}])
    params["p1"] = ["ABCDEFG"]
    with pytest.raises(DBAPIError, match="value too long"), database.transaction() as session:
        session.connection().exec_driver_sql(sql, params)


# --- short arrays as their elements (scalar_arrays) -----------------------------------

kinds = Table(
    "kinds",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(20)),
    Column("blob", LargeBinary),
    Column("at", DateTime(timezone=True)),
    Column("doc", JSON),
)


def test_short_array_parameters_are_sent_as_their_elements() -> None:
    sql = "SELECT %(a)b::text[], %(b)b::bigint[], %(c)b::text[], %(d)s, %(a)b::text[]"
    long = list(range(SCALAR_ARRAY_MOST + 1))
    rewritten, params = scalar_arrays(sql, {"a": ["x", "y"], "b": long, "c": [], "d": 7})
    assert rewritten == (
        "SELECT ARRAY[%(a_0)s, %(a_1)s]::text[], %(b)b::bigint[], %(c)b::text[], %(d)s, "
        "ARRAY[%(a_0)s, %(a_1)s]::text[]"
    )
    assert params == {"a_0": "x", "a_1": "y", "b": long, "c": [], "d": 7}


@pytest.mark.parametrize("count", [1, SCALAR_ARRAY_MOST, SCALAR_ARRAY_MOST + 1])
def test_a_bulk_insert_stores_the_same_values_as_elements_or_as_arrays(
    database: Database, count: int
) -> None:
    at = datetime(2026, 12, 1, 15, 4, 5, 123456, tzinfo=UTC)
    rows = [
        {"id": 2**40 + n, "name": f'é"{n}\\', "blob": bytes([0, n]), "at": at, "doc": {"n": [n]}}
        for n in range(count)
    ]
    rows[0] |= {"name": None, "blob": None, "at": None}
    with database.transaction() as session:
        returned = bulk_insert(session, kinds, rows, conflict_columns=["id"], returning=["id"])
        skipped = bulk_insert(session, kinds, rows[:1], conflict_columns=["id"], returning=["id"])
    with database.reader() as session:
        stored = [dict(r._mapping) for r in session.execute(select(kinds).order_by(kinds.c.id))]
    assert [r.id for r in returned] == [r["id"] for r in rows] and skipped == []
    assert [s | {"at": s["at"] and as_utc(s["at"])} for s in stored] == rows


# --- a dropped database connection (the pool has no pre-ping) -------------------------


@pytest.fixture
def postgres(test_databases: TestDatabases) -> Iterator[Database]:
    if test_databases.kind != "postgresql":
        pytest.skip("connections the server drops are PostgreSQL's")
    db = Database(test_databases.create("dropped"))
    with db.engine.begin() as connection:
        create_shared_tables(connection)
        connection.exec_driver_sql("CREATE TABLE things (name TEXT PRIMARY KEY)")
    yield db
    db.dispose()


def _backend(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(db: Database, *pids: int) -> None:
    """What a server restart or an administrator does to the service's sessions."""
    with psycopg.connect(db.url.replace("+psycopg", ""), autocommit=True) as admin:
        terminate = "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid"
        admin.execute(terminate, (list(pids),))
        for _ in range(100):
            if not admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)
            ).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError(f"backends {pids} still alive")


def test_a_read_after_the_server_dropped_the_pooled_connections_gets_a_fresh_one(
    postgres: Database,
) -> None:
    with postgres.reader() as first, postgres.reader() as second:
        pooled = {_backend(first), _backend(second)}
    _terminate(postgres, *pooled)
    for _ in range(3):  # the pool's connections were all dropped: none is handed out
        assert postgres.read(_backend) not in pooled


def test_a_read_whose_connection_dies_midway_is_read_again_on_a_fresh_one(
    postgres: Database,
) -> None:
    seen: list[int] = []

    def work(session: Session) -> int:
        seen.append(_backend(session))
        if len(seen) == 1:
            _terminate(postgres, seen[0])
        return int(session.execute(text("SELECT 41 + 1")).scalar_one())

    assert postgres.read(work) == 42
    assert len(seen) == 2 and seen[0] != seen[1]


def test_a_write_whose_connection_dies_is_unavailable_and_its_retry_is_applied(
    postgres: Database,
) -> None:
    mutations = Mutations(postgres)
    dies = [True]

    def add(uow: UnitOfWork) -> core_pb2.UnitKey:
        if dies.pop():
            _terminate(postgres, _backend(uow.session))
        uow.session.execute(text("INSERT INTO things (name) VALUES ('a')"))
        uow.record("thing.added", "thing", "a", {})
        return core_pb2.UnitKey(sku="a")

    request = core_pb2.UnitKey(sku="a")  # no idempotency key field: each run applies anew
    with acting_as(Principal("olga", frozenset(), "")):
        with pytest.raises(Unavailable, match=r"lost its database connection.*retry"):
            mutations.run("Add", request, core_pb2.UnitKey, add)
        dies.append(False)
        assert mutations.run("Add", request, core_pb2.UnitKey, add) == request
    with postgres.reader() as session:
        assert session.execute(text("SELECT name FROM things")).scalars().all() == ["a"]
        assert ledger.verify(session).entries == 1


# --- reads of whole entities without the ORM (Database.read_entities) -------------------


class _Base(DeclarativeBase):
    metadata = MetaData()


class _Shelf(_Base):
    __tablename__ = "shelves"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    tags: Mapped[list[str]] = mapped_column(JSON)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _Box(_Base):
    __tablename__ = "boxes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shelf: Mapped[str] = mapped_column(String(10))
    label: Mapped[str | None] = mapped_column(String(20))


_OTHER_SHELF = aliased(_Shelf, name="other_shelf")
_SHELF_BOXES = EntityQuery(
    select(_Shelf, _Box, _OTHER_SHELF)
    .outerjoin(_Box, and_(_Box.shelf == _Shelf.code, _Box.id != bindparam("not_box")))
    .outerjoin(_OTHER_SHELF, _OTHER_SHELF.code == _Box.label)
    .where(_Shelf.code == bindparam("code"))
    .order_by(_Box.id)
)


@pytest.fixture
def shelves(database: Database) -> Database:
    built = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    _Base.metadata.create_all(database.engine)
    with database.transaction() as session:
        session.add_all(
            [
                _Shelf(code="A", tags=["cold", "dry"], built_at=built),
                _Shelf(code="B", tags=[], built_at=built),
                _Box(id=1, shelf="A", label="B"),
                _Box(id=2, shelf="A", label=None),
                _Box(id=3, shelf="A", label="B"),
            ]
        )
    return database


def _described(rows: list[tuple[Any, ...]], classes: list[type[Any]]) -> list[tuple[Any, ...]]:
    """Each entity as (attribute name, value) of its class's columns, read by name."""

    def one(entity: Any, cls: type[Any]) -> Any:
        if entity is None:
            return None
        return tuple((a.key, getattr(entity, a.key)) for a in sa_inspect(cls).column_attrs)

    return [tuple(one(e, c) for e, c in zip(row, classes, strict=True)) for row in rows]


def test_entities_read_without_the_orm_are_what_a_session_reads(shelves: Database) -> None:
    params = {"code": "A", "not_box": 0}
    fast = shelves.read_entities(_SHELF_BOXES, params)
    with shelves.reader() as session:
        orm = [tuple(row) for row in session.execute(_SHELF_BOXES.statement, params)]
    classes: list[type[Any]] = [_Shelf, _Box, _Shelf]
    assert _described(fast, classes) == _described(orm, classes)
    # Records of the columns, not ORM instances: no instance state to make or carry.
    assert not any(isinstance(e, _Base) for row in fast for e in row)
    assert fast[0][1]._fields == ("id", "shelf", "label")
    assert fast[1][2] is None  # box 2 has no label: the outer join found no shelf
    assert fast[0][0].tags == ["cold", "dry"]
    if shelves.is_postgres:  # SQLite's DateTime comes back naive, by the ORM as well
        assert fast[0][0].built_at == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    # One instance per primary key across the rows, as a session's identity map gives.
    assert fast[0][0] is fast[1][0] is fast[2][0] and fast[0][2] is fast[2][2]
    assert shelves.read_entities(_SHELF_BOXES, {"code": "Z", "not_box": 0}) == []
    nothing_joined = shelves.read_entities(_SHELF_BOXES, {"code": "B", "not_box": 0})
    assert [(s.code, box, other) for s, box, other in nothing_joined] == [("B", None, None)]


def _shelf_a(database: Database) -> None:
    """The shelves table with one empty shelf, A."""
    _Base.metadata.create_all(database.engine)
    with database.transaction() as session:
        session.add(_Shelf(code="A", tags=[], built_at=datetime.now(UTC)))


def test_entities_are_read_in_autocommit_leaving_no_transaction_open(
    postgres: Database,
) -> None:
    _shelf_a(postgres)
    for _ in range(3):
        assert len(postgres.read_entities(_SHELF_BOXES, {"code": "A", "not_box": 0})) == 1
    with postgres.engine.connect() as connection:  # the same pooled connection, as before
        assert connection.connection.driver_connection.autocommit is False
        idle = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
        assert connection.exec_driver_sql(idle + " AND datname = current_database()").scalar() == 0


def test_an_entity_read_whose_connection_died_is_read_again_on_a_fresh_one(
    postgres: Database,
) -> None:
    _shelf_a(postgres)
    postgres.read_entities(_SHELF_BOXES, {"code": "A", "not_box": 0})
    with postgres.reader() as first:
        pooled = _backend(first)
    _terminate(postgres, pooled)
    # The checkout's look at the socket would spot this one: make it look alive, so the
    # statement itself meets the dead connection.
    with patch("serialtrace.common.db._has_something_to_read", return_value=False):
        rows = postgres.read_entities(_SHELF_BOXES, {"code": "A", "not_box": 0})
    assert [shelf.code for shelf, _, _ in rows] == ["A"]
    assert postgres.read(_backend) != pooled
