"""Database engine, sessions and migrations for one service.

PostgreSQL through psycopg 3 in production; a SQLite file as the zero-setup default.
SQLite write transactions start with BEGIN IMMEDIATE so concurrent writers queue on
the database lock instead of failing half-way with "database is locked".
"""

from __future__ import annotations

import json
import logging
import select as socket_wait
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import psycopg
from alembic import command
from alembic.config import Config
from opentelemetry import trace
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Enum,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from serialtrace.common import telemetry
from serialtrace.common.errors import InvalidArgument

log = logging.getLogger(__name__)

T = TypeVar("T")

# Serializes concurrent migration runs of replicas that start together (PostgreSQL).
_MIGRATION_LOCK_KEY = 0x5E71A17ACE


def normalize_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """One service's database: engines, transactions, and its migration history."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = normalize_url(url)
        self.is_postgres = self.url.startswith("postgresql")
        if self.is_postgres:
            # No pre-ping (a SELECT 1 round trip per checkout, a sixth of a point read's
            # CPU here): a look at the socket instead, and reads retried once (`read`).
            self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=pool_size)
            event.listen(self.engine, "checkout", _discard_if_closed_by_server)
            self._read_engine = self.engine
        else:
            path = make_url(self.url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = self._sqlite_engine(immediate=True)
            self._read_engine = self._sqlite_engine(immediate=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    def _sqlite_engine(self, *, immediate: bool) -> Engine:
        engine = create_engine(
            self.url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A read-write transaction: committed when the block ends, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session (never blocks writers on SQLite)."""
        with self._read_sessions() as session, session.begin():
            yield session

    def read(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a `reader` session; run once more, on a fresh connection,
        if the database connection turned out to be dead (a read has nothing to undo).
        The pool drops every connection it opened before the failure."""
        try:
            with self.reader() as session:
                return work(session)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("database connection lost during a read; reading again: %s", error.orig)
        with self.reader() as session:
            return work(session)

    def read_entities(
        self, query: EntityQuery, params: dict[str, Any]
    ) -> list[tuple[Any | None, ...]]:
        """`query`'s rows, each a tuple of its entities (None where an outer join found
        none): for each entity a plain record of its columns by attribute name
        (`EntityQuery.records`), not an ORM instance.

        On PostgreSQL without a session: one prepared statement on a pooled connection in
        autocommit (one round trip, no BEGIN or COMMIT: a single statement sees one
        snapshot anyway), its rows made into records directly (one per entity and primary
        key). For the point reads on a scanner's critical path, where the session, the
        ORM's loading and the transaction were most of a call's CPU, and then making the
        mapped instances a tenth of what was left. Read again once, on a fresh
        connection, if the connection turned out dead."""
        if not self.is_postgres:
            flat = query.flat
            return query.records(self.read(lambda s: [tuple(r) for r in s.execute(flat, params)]))
        sql, defaults = query.compiled(self.engine.dialect)
        values = {**defaults, **params}
        try:
            rows = self._fetch(sql, values)
        except _ConnectionLost as lost:
            log.warning("database connection lost during a read; reading again: %s", lost)
            rows = self._fetch(sql, values)
        return query.records(rows)

    def _fetch(self, sql: str, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        pooled = self._read_engine.raw_connection()  # the checkout looks at the socket
        connection: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
        try:
            connection.autocommit = True
            try:
                with telemetry.statement_span(self._read_engine, sql):
                    return connection.execute(sql, values, prepare=True).fetchall()
            finally:
                if not (connection.closed or connection.broken):
                    connection.autocommit = False
        except psycopg.OperationalError as error:
            if connection.closed or connection.broken:
                pooled.invalidate(error)
                raise _ConnectionLost(str(error)) from error
            raise
        finally:
            pooled.close()  # back to the pool (or, invalidated, closed)

    @property
    def engines(self) -> list[Engine]:
        """Every engine this database uses (SQLite has a separate one for reads)."""
        return (
            [self.engine] if self._read_engine is self.engine else [self.engine, self._read_engine]
        )

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()


class _ConnectionLost(Exception):
    """A statement's connection died under it."""


class EntityQuery:
    """An ORM select of whole entities (`select(A, B, aliased(C)).outerjoin(...)`) that
    `Database.read_entities` can run without the ORM: the same joins and conditions,
    selecting each entity's columns, compiled once per dialect, each entity's columns
    given back as a record (a named tuple of the mapped class's column attributes, by
    their names): what a reply is built from, without the ORM's instance state, events
    and attribute instrumentation. A record has no relationships and no lazy loads."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        columns: list[Any] = []
        self._entities: list[tuple[Callable[..., Any], int, int, list[int]]] = []
        for description in statement.column_descriptions:
            entity = description["entity"]
            mapper = inspect(entity).mapper
            keys = [attribute.key for attribute in mapper.column_attrs]
            primary = [keys.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key]
            record = namedtuple(f"{mapper.class_.__name__}Record", keys)  # type: ignore[misc]
            self._entities.append((record._make, len(columns), len(keys), primary))
            columns += [getattr(entity, key) for key in keys]
        self.flat = statement.with_only_columns(*columns)
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        """The statement's text for `dialect` and its bound parameters' own values."""
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.flat.compile(dialect=dialect)
            found = self._compiled[dialect.name] = (compiled.string, dict(compiled.params))
        return found

    def records(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any | None, ...]]:
        """Each row's entities, one record per entity and primary key across the rows
        (the same object wherever a key repeats, as a session's identity map gives),
        None for an entity with no key (an outer join that found nothing)."""
        made: dict[tuple[int, tuple[Any, ...]], Any] = {}
        answer = []
        for row in rows:
            entities: list[Any | None] = []
            for n, (make, start, width, primary) in enumerate(self._entities):
                key = tuple(row[start + i] for i in primary)
                if all(part is None for part in key):
                    entities.append(None)
                    continue
                record = made.get((n, key))
                if record is None:
                    record = made[(n, key)] = make(row[start : start + width])
                entities.append(record)
            answer.append(tuple(entities))
        return answer


def _discard_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection is idle: the server sends it nothing unless it is closing it
    (a restart, `pg_terminate_backend`, an idle timeout), and then its last words are
    there to read. So a socket with something to read, or a connection psycopg knows is
    closed, is dropped, and the pool opens a fresh one (DisconnectionError), without the
    round trip of a pre-ping. A connection lost without a word (a network cut) fails on
    first use instead: reads are run again (`Database.read`), writes answer UNAVAILABLE
    (serialtrace.common.uow)."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    if _has_something_to_read(dbapi_connection.pgconn.socket):
        raise DisconnectionError("the server closed the connection")


def _has_something_to_read(fd: int) -> bool:
    if not hasattr(socket_wait, "poll"):  # Windows: select() takes any socket there
        return bool(socket_wait.select([fd], [], [], 0)[0])
    poll = socket_wait.poll()  # not select(): it refuses descriptors past FD_SETSIZE
    poll.register(fd, socket_wait.POLLIN)
    return bool(poll.poll(0))


def migrate(database: Database, script_location: str | Path) -> None:
    """Applies the service's Alembic history up to head (idempotent, replica-safe)."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    with database.engine.begin() as connection:
        if database.is_postgres:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("migrations applied", extra={"script_location": str(script_location)})


# Created by the shared library in each service's first migration, not by the service's
# models: autogenerate must neither drop nor re-create them.
SHARED_TABLES = frozenset({"audit_ledger", "idempotency_keys", "ledger_checkpoints"})


def _not_shared(name: str | None, type_: str, parent_names: Any) -> bool:
    return not (type_ == "table" and name in SHARED_TABLES)


def run_alembic_env(context: Any, target_metadata: MetaData) -> None:
    """The whole of each service's migrations/env.py: run online on the given connection."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `serialtrace migrate <service>`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=_not_shared,
    )
    with context.begin_transaction():
        context.run_migrations()


def install_append_only_guard(
    connection: Any,
    function: str,
    refusal: str,
    tables: Sequence[str],
    *,
    truncate: bool = True,
    sqlite_tables: Sequence[str] | None = None,
) -> None:
    """Makes `tables` refuse UPDATE and DELETE (and TRUNCATE) in the database itself.

    On PostgreSQL one trigger function, `function`, raises "<refusal>: <op> refused" for
    every table; on SQLite each of `sqlite_tables` (default: `tables`) gets two triggers
    that abort with the same words. Called from migrations: what it emits is frozen.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{refusal}: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql
"""
            )
        )
        for table in tables:
            connection.execute(
                text(
                    f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {function}()"
                )
            )
            if truncate:
                connection.execute(
                    text(
                        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                    )
                )
        return
    for table in tables if sqlite_tables is None else sqlite_tables:
        for operation in ("UPDATE", "DELETE"):
            connection.execute(
                text(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{refusal}: {operation} refused'); END"
                )
            )


# IN-list chunk size: well under SQLite's bound-parameter limit.
IN_CHUNK = 500


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items, for IN-lists of any length."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def pipeline(
    session: Session, span: str, statement: str, table: str = ""
) -> Iterator[psycopg.Connection[Any]]:
    """The session's psycopg connection in pipeline mode (PostgreSQL): what is sent in the
    block travels in one round trip if nothing in it waits for a result: the exit sends
    a Sync and reads every result back, and a cursor's rows can be fetched after the
    block (fetching inside it costs a round trip of its own, the exit's Sync another).
    Those statements bypass the SQL spans, so the block
    is one span, `span`; they fail as SQLAlchemy's would have (IntegrityError,
    OperationalError, …), which is what the unit of work handles. A failed statement
    aborts the rest of the pipeline (a COMMIT in it is skipped)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a checked-out connection always has one
    # No span of its own inside a span nothing records (the SQL statements' rule,
    # `telemetry.instrument_engine`): an unrecorded span cost a write two of its
    # context switches and a tenth of its tracing CPU, for nothing anyone reads.
    if not trace.get_current_span().is_recording():
        with _as_sqlalchemy_error(driver, statement), driver.pipeline():
            yield driver
        return
    attributes = {"db.system": "postgresql", "db.statement": statement}
    if table:
        attributes["db.sql.table"] = table
    # The pipeline's exit is inside the try: a block that only queues statements gets
    # their results, and their errors, as the exit sends its Sync and reads them back.
    with (
        _tracer.start_as_current_span(span, attributes=attributes),
        _as_sqlalchemy_error(driver, statement),
        driver.pipeline(),
    ):
        yield driver


@contextmanager
def _as_sqlalchemy_error(driver: psycopg.Connection[Any], statement: str) -> Iterator[None]:
    """psycopg's errors in the block raised as SQLAlchemy's would have been
    (IntegrityError, OperationalError, …, `connection_invalidated` if the connection
    died), which is what the unit of work handles."""
    try:
        yield
    except psycopg.Error as error:
        lost = driver.closed or driver.broken  # as SQLAlchemy's own disconnect check
        raise DBAPIError.instance(
            statement, None, error, psycopg.Error, connection_invalidated=lost
        ) from error


def driver_rows(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """One PostgreSQL statement (psycopg placeholders; short binary lists sent as their
    elements, `scalar_arrays`) on the session's own connection and transaction, its rows
    as tuples: for a write path's fixed statements, without SQLAlchemy's execution and
    result machinery (about 100 µs of CPU a statement, as much as the statement's own
    round trip here). The SQL span and the errors are those of `exec_driver_sql`."""
    sql, params = scalar_arrays(sql, params)
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection always has one
    with (
        telemetry.statement_span(connection.engine, sql),
        _as_sqlalchemy_error(driver, sql),
        driver.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []


_tracer = trace.get_tracer("serialtrace.db")


def upsert_insert(session: Session, model: Any) -> Any:
    """An INSERT for `model` that supports ON CONFLICT, in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def bulk_insert(
    session: Session,
    table: Any,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[Any]:
    """Inserts many rows at once, optionally skipping conflicts and returning columns.

    On PostgreSQL it is one `INSERT … SELECT … FROM unnest(:array, …)` with one typed
    array parameter per column, instead of thousands of bound values the driver must
    splice into giant statements; elsewhere it is SQLAlchemy's multi-row insert.
    """
    if not rows:
        return []
    table = getattr(table, "__table__", table)
    check_lengths(table, rows)
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        sql, params = _unnest_insert(
            dialect, table, rows, tuple(conflict_columns), tuple(returning)
        )
        if dialect.driver == "psycopg":
            sql, params = scalar_arrays(sql, params)
        result = session.connection().exec_driver_sql(sql, params)
        return list(result.all()) if returning else []
    statement: Any = sqlite.insert(table)
    if conflict_columns:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict_columns))
    if returning:
        statement = statement.returning(*(table.c[c] for c in returning))
        return list(session.execute(statement, list(rows)).all())
    session.execute(statement, list(rows))
    return []


def bulk_insert_statement(
    session: Session, table: Any, rows: Sequence[dict[str, Any]]
) -> tuple[str, dict[str, list[Any]]]:
    """The PostgreSQL SQL and parameters `bulk_insert` sends for `rows` without conflict
    handling or returned columns (for a caller that sends them itself, e.g. in a pipeline
    with its COMMIT)."""
    table = getattr(table, "__table__", table)
    check_lengths(table, rows)
    return _unnest_insert(session.get_bind().dialect, table, rows, (), ())


def _unnest_insert(
    dialect: Dialect,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> tuple[str, dict[str, list[Any]]]:
    """`INSERT … SELECT … FROM unnest(…)` of `rows`, one typed array parameter per column."""
    names = tuple(rows[0])
    sql = _unnest_insert_sql(dialect, table, names, conflict, returning)
    params = {}
    for n, name in enumerate(names):
        is_json = isinstance(table.c[name].type, JSON)  # JSON travels as text, cast back
        params[f"p{n}"] = [json.dumps(r[name]) if is_json else r[name] for r in rows]
    return sql, params


# Up to this many elements, an array parameter travels as its elements (`scalar_arrays`).
SCALAR_ARRAY_MOST = 8


def scalar_arrays(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement with each short list parameter sent in binary (`%(name)b`, followed
    by its array cast in the SQL) rewritten as `ARRAY[%(name_0)s, …]`, one scalar
    parameter per element, which the cast then types. psycopg dumps a list in Python
    (finding its element type, then each element), about 50 µs an array: a write of one
    operation record sent some twenty of them, a fifth of production's CPU per call.
    Scalars it dumps in C. Longer lists stay arrays: the text of the statement grows with
    them, and each length is a statement of its own for the server to prepare."""
    short = tuple(
        (name, len(value))
        for name, value in params.items()
        if type(value) is list and 0 < len(value) <= SCALAR_ARRAY_MOST
    )
    if not short:
        return sql, params
    rewritten, spread_out = _scalar_arrays_sql(sql, short)
    if not spread_out:
        return sql, params
    spread = dict(params)
    for name, element_names in spread_out:
        spread.update(zip(element_names, spread.pop(name), strict=True))
    return rewritten, spread


@cache
def _scalar_arrays_sql(
    sql: str, short: tuple[tuple[str, int], ...]
) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """`sql` with the binary placeholders of the `short` (name, length) lists spread out,
    and the element parameters' names of each list it spread (a list not sent as
    `%(name)b` is left as it is)."""
    spread: list[tuple[str, tuple[str, ...]]] = []
    for name, length in short:
        placeholder = f"%({name})b"
        if placeholder in sql:
            names = tuple(f"{name}_{i}" for i in range(length))
            sql = sql.replace(placeholder, "ARRAY[" + ", ".join(f"%({n})s" for n in names) + "]")
            spread.append((name, names))
    return sql, tuple(spread)


def copy_insert(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts many rows, in the caller's transaction, as fast as the database allows:
    PostgreSQL's COPY (no conflict handling, nothing returned: a duplicate key raises
    IntegrityError like an INSERT), `bulk_insert` elsewhere. For a write path that
    stores thousands of wide rows at once (COPY is 2-3 times faster than unnest)."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    if session.get_bind().dialect.name != "postgresql":
        bulk_insert(session, table, rows)
        return
    import psycopg

    names = tuple(rows[0])
    is_json = [isinstance(table.c[name].type, JSON) for name in names]
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a live connection inside the caller's transaction
    cursor = driver.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    try:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[n]) if j else row[n]
                        for n, j in zip(names, is_json, strict=True)
                    ]
                )
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(f"COPY {table.name}", None, exc) from None
    finally:
        cursor.close()


@cache
def _unnest_insert_sql(
    dialect: Dialect,
    table: Table,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> str:
    """The SQL of one PostgreSQL unnest insert shape, compiled once.

    SQLAlchemy cannot cache a statement built on a table-valued function, so building
    and compiling it on every call cost more CPU than the insert itself.
    """
    types = [_without_length(table.c[name].type) for name in names]
    arrays = [
        bindparam(f"p{n}", type_=postgresql.ARRAY(Text() if isinstance(t, JSON) else t))
        for n, t in enumerate(types)
    ]
    unnested = (
        func.unnest(*arrays).table_valued(*(f"c{n}" for n in range(len(names)))).render_derived()
    )
    source = select(*(cast(unnested.c[f"c{n}"], t) for n, t in enumerate(types)))
    statement: Any = postgresql.insert(table).from_select(list(names), source)
    if conflict:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        statement = statement.returning(*(table.c[c] for c in returning))
    sql = str(statement.compile(dialect=dialect))
    if dialect.driver != "psycopg":
        return sql
    return _binary_arrays(sql, [f"p{n}" for n in range(len(names))])


def _binary_arrays(sql: str, names: Iterable[str]) -> str:
    """The SQL with these array parameters sent in PostgreSQL's binary format (psycopg's
    %b): in text format psycopg escapes every element with a regular expression, which
    cost 30-70 times the binary dump for JSON ledger payloads."""
    for name in names:
        sql = sql.replace(f"%({name})s", f"%({name})b")
    return sql


def _without_length(column_type: Any) -> Any:
    """VARCHAR(n) as plain VARCHAR: PostgreSQL's CAST to VARCHAR(n) silently cuts a longer
    value to n characters, while storing it in the VARCHAR(n) column refuses it."""
    bounded = isinstance(column_type, String) and column_type.length is not None
    if bounded and not isinstance(column_type, Enum):
        return type(column_type)(collation=column_type.collation)
    return column_type


def check_lengths(table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Refuses (INVALID_ARGUMENT) a text longer than its column allows, naming the
    column, before anything is sent (SQLite would store it whole, PostgreSQL refuse it
    with no word of which value)."""
    for name, limit in _length_limits(table, tuple(rows[0])):
        for row in rows:
            value = row[name]
            if isinstance(value, str) and len(value) > limit:
                raise InvalidArgument(
                    f"{name} may be at most {limit} characters; this one has {len(value)}: "
                    f"{value[:100]!r}"
                )


@cache
def _length_limits(table: Table, names: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """The bounded text columns among `names`, with their lengths (looked up once per
    shape of row: a write checks every row it inserts)."""
    limits = []
    for name in names:
        column_type = table.c[name].type
        limit = getattr(column_type, "length", None)
        if isinstance(column_type, String) and limit is not None:
            limits.append((name, int(limit)))
    return tuple(limits)


def key_clauses(
    sku_column: Any, key_column: Any, keys: Iterable[tuple[str, str]]
) -> Iterator[ColumnElement[bool]]:
    """WHERE clauses matching (sku, serial or lot number) pairs, each covering at most
    IN_CHUNK keys: `sku = … AND key IN (…)` when the keys share one SKU (one index range
    for 5,000 serials of a commission), else a row-value IN-list (one statement for a
    trace's dozen SKUs, cheap to build; PostgreSQL probes the index once per pair)."""
    wanted = sorted(set(keys))
    skus = {sku for sku, _ in wanted}
    for part in chunks(wanted):
        if len(skus) == 1:
            yield and_(sku_column == part[0][0], key_column.in_([key for _, key in part]))
        else:
            yield tuple_(sku_column, key_column).in_(part)


def get_many(
    session: Session,
    model: Any,
    column: Any,
    values: Iterable[Any],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
    for_update: bool = False,
) -> list[Any]:
    """Rows of `model` whose `column` is one of `values`: one IN-query per IN_CHUNK
    values, in sorted order (so rows locked `for_update` are locked in key order)."""
    found: list[Any] = []
    built = None if where or for_update else _built_once(model, (column,), order_by)
    if built is not None:
        for part in chunks(sorted(set(values))):
            found += session.scalars(built, {PREBUILT_VALUES: list(part)})
        return found
    for part in chunks(sorted(set(values))):
        query = select(model).where(column.in_(part), *where).order_by(*order_by)
        found += session.scalars(query.with_for_update() if for_update else query)
    return found


def get_many_by_key(
    session: Session,
    model: Any,
    sku_column: Any,
    key_column: Any,
    keys: Iterable[tuple[str, str]],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
    for_update: bool = False,
) -> list[Any]:
    """Rows of `model` matching (sku, serial or lot number) pairs (see `key_clauses`)."""
    found: list[Any] = []
    wanted = sorted(set(keys))
    skus = {sku for sku, _ in wanted}
    if len(skus) == 1 and not where and not for_update:
        # One SKU: `sku = … AND key IN (…)`, one index range (see `key_clauses`).
        built = _built_once(model, (key_column,), order_by, sku_column)
        if built is not None:
            for part in chunks(wanted):
                bound = {PREBUILT_SKU: part[0][0], PREBUILT_VALUES: [k for _, k in part]}
                found += session.scalars(built, bound)
            return found
    elif skus and not where and not for_update:
        built = _built_once(model, (sku_column, key_column), order_by)
        if built is not None:
            for part in chunks(wanted):
                found += session.scalars(built, {PREBUILT_VALUES: list(part)})
            return found
    for clause in key_clauses(sku_column, key_column, keys):
        query = select(model).where(clause, *where).order_by(*order_by)
        found += session.scalars(query.with_for_update() if for_update else query)
    return found


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paged list: its items, whether more follow, the total."""

    items: list[T]
    more: bool
    total: int


def first_page(
    session: Session, query: Any, limit: int, *, rows: bool = False
) -> tuple[list[Any], bool]:
    """At most `limit` results of an ordered `query` and whether more follow: one query
    for limit + 1, not a second query for "is there more". `rows` keeps whole rows
    (for a multi-column select) instead of the first column's objects."""
    result = (
        session.execute(query.limit(limit + 1)) if rows else session.scalars(query.limit(limit + 1))
    )
    found = list(result)
    return found[:limit], len(found) > limit


def rows_by_key(
    session: Session,
    query: Any,
    sku_column: Any,
    key_column: Any,
    keys: Iterable[tuple[str, str]],
) -> list[Any]:
    """The rows of a multi-column `query` whose (sku, serial or lot number) columns are
    among `keys`. Up to IN_CHUNK keys, or off PostgreSQL, one query per IN_CHUNK keys
    (see `key_clauses`); more keys on PostgreSQL go in one statement, sent as two arrays
    and joined (where IN-lists would take 60 round trips for 30,000 units)."""
    wanted = sorted(set(keys))  # the join would repeat a row once per repeated key
    if len(wanted) <= IN_CHUNK or session.get_bind().dialect.name != "postgresql":
        found: list[Any] = []
        for clause in key_clauses(sku_column, key_column, wanted):
            found += session.execute(query.where(clause)).all()
        return found
    given = (
        func.unnest(
            bindparam("given_skus", type_=postgresql.ARRAY(Text())),
            bindparam("given_keys", type_=postgresql.ARRAY(Text())),
        )
        .table_valued("sku", "key")
        .render_derived(name="given")
    )
    matched = query.join(given, and_(sku_column == given.c.sku, key_column == given.c.key))
    compiled = matched.compile(dialect=session.get_bind().dialect)
    params = {
        **compiled.params,
        "given_skus": [k for k, _ in wanted],
        "given_keys": [k for _, k in wanted],
    }
    sql = _binary_arrays(str(compiled), ["given_skus", "given_keys"])
    return list(session.connection().exec_driver_sql(sql, params).all())


# A statement a read runs on every call (a trace's facts) is best built once: building
# `select(...).where(column.in_(values))` afresh, its cache key and ORM rows cost about
# 1 ms of CPU a statement here, the same statement built at import and run with its
# values bound, rows as plain tuples, less than half of that.
PREBUILT_VALUES = "values"
PREBUILT_SKU = "values_sku"


def where_among(query: Any, *columns: Any) -> Any:
    """`query` for the rows whose `columns` (one, or a (sku, serial or lot number) pair)
    are among the values bound when it runs (`run_among`): build it once, at import."""
    target = columns[0] if len(columns) == 1 else tuple_(*columns)
    return query.where(target.in_(bindparam(PREBUILT_VALUES, expanding=True)))


def with_ancestors(table: Table, key: str, parent: str) -> Any:
    """The rows of `table` whose `key` column is among the values bound when it runs
    (`run_among`'s) and every row above them through `parent` (a package's pallet, a
    bin's zone and site), at any depth: one recursive statement, by key. Build it once."""
    tree = (
        select(table)
        .where(table.c[key].in_(bindparam(PREBUILT_VALUES, expanding=True)))
        .cte(f"{table.name}_and_above", recursive=True)
    )
    above = table.alias(f"{table.name}_above")
    tree = tree.union(select(above).join(tree, above.c[key] == tree.c[parent]))
    return select(tree).order_by(tree.c[key])


def run_among(session: Session, statement: Any, values: Iterable[Any]) -> list[Any]:
    """The rows of a `where_among` statement for `values` (keys as tuples), IN_CHUNK
    values a statement; none without a statement when there are no values."""
    found: list[Any] = []
    for part in chunks(sorted(set(values))):
        found += session.execute(statement, {PREBUILT_VALUES: list(part)}).all()
    return found


def rows_among(session: Session, statement: Any, values: Iterable[Any], **params: Any) -> list[Any]:
    """`run_among` for a Core statement (columns, no mapped entities), on the session's
    connection: the same rows without the ORM's execution around each statement (about
    a third of a small read's CPU). `params` are the statement's other bound values."""
    found: list[Any] = []
    connection = session.connection()
    for part in chunks(sorted(set(values))):
        found += connection.execute(statement, {**params, PREBUILT_VALUES: list(part)}).all()
    return found


_BUILT_ONCE: dict[tuple[int, ...], tuple[Any, tuple[Any, ...]]] = {}
_BUILT_ONCE_MOST = 512


def _built_once(
    model: Any, columns: tuple[Any, ...], order_by: Sequence[Any], sku_column: Any = None
) -> Any:
    """`get_many`'s (or `get_many_by_key`'s) statement for `model` by `columns` (and
    `sku_column` equal to PREBUILT_SKU) in `order_by`'s order, built the first time and
    kept (its values bound when it runs, as `where_among`'s). Only for mapped columns
    themselves (an expression made per call would never be met again): else None, and
    the caller builds the statement as before."""
    given = (*columns, *order_by, *([sku_column] if sku_column is not None else []))
    if not all(isinstance(c, InstrumentedAttribute | Column) for c in given):
        return None
    key = (id(model), *map(id, columns), -1, *map(id, order_by), -2, id(sku_column))
    kept = _BUILT_ONCE.get(key)
    if kept is None:
        if len(_BUILT_ONCE) >= _BUILT_ONCE_MOST:
            return None
        statement = where_among(select(model), *columns).order_by(*order_by)
        if sku_column is not None:
            statement = statement.where(sku_column == bindparam(PREBUILT_SKU))
        # The objects stay referenced with the statement, so their ids stay theirs.
        kept = _BUILT_ONCE[key] = (statement, (model, *given))
    return kept[0]
