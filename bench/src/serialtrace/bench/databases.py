"""The benchmark's PostgreSQL databases: one per service, kept between runs per dataset
size and seed (so a second run reuses the data), and psycopg connections to them."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy.engine import make_url

from serialtrace.common.testing import DEFAULT_ADMIN_URL
from serialtrace.testing import SUITE_SERVICES

Connection = psycopg.Connection[TupleRow]

STATEMENT_TIMEOUT_MS = 300_000  # no benchmark query may hang a run


def default_admin_url() -> str:
    return os.environ.get("SERIALTRACE_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def bench_names(units: int, seed: int, shape: str = "factory") -> dict[str, str]:
    """serialtrace_bench_u<units>_s<seed>_<service>, per service, the EPCIS repository
    included (for another shape than the factory:
    serialtrace_bench_<shape>_u<units>_s<seed>_<service>)."""
    kind = "" if shape == "factory" else f"{shape}_"
    return {name: f"serialtrace_bench_{kind}u{units}_s{seed}_{name}" for name in SUITE_SERVICES}


def url_for(admin_url: str, database: str) -> str:
    """The admin URL pointed at another database on the same server."""
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def libpq(url: str) -> str:
    """A service URL (postgresql+psycopg://…) as psycopg itself takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def prepare(admin_url: str, names: Mapping[str, str], fresh: bool) -> dict[str, str]:
    """Creates the databases that do not exist (dropping them first when `fresh`);
    returns each service's URL."""
    with psycopg.connect(libpq(admin_url), autocommit=True, connect_timeout=10) as admin:
        for database in names.values():
            name = sql.Identifier(database)
            if fresh:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            found = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if found is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return {service: url_for(admin_url, database) for service, database in names.items()}


def connect(url: str) -> Connection:
    """An autocommit connection (each read is its own statement, as a service's is)."""
    return psycopg.connect(
        libpq(url),
        autocommit=True,
        connect_timeout=10,
        options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    )


class Pool:
    """Connections to the service databases, shared by threads: a thread takes one for
    the statements it sends to one database and gives it back; at most `size` per
    database, opened when first needed (a client reads one database at a time, so N
    clients rarely need N connections to each)."""

    def __init__(self, databases: Mapping[str, str], size: int = 1) -> None:
        self._urls = dict(databases)
        self._slots = {s: threading.BoundedSemaphore(size) for s in self._urls}
        self._idle: dict[str, queue.LifoQueue[Connection]] = {
            s: queue.LifoQueue() for s in self._urls
        }
        self._opened: list[Connection] = []
        self._lock = threading.Lock()

    @property
    def services(self) -> list[str]:
        return list(self._urls)

    @contextmanager
    def use(self, service: str) -> Iterator[Connection]:
        with self._slots[service]:
            try:
                connection = self._idle[service].get_nowait()
            except queue.Empty:
                connection = connect(self._urls[service])
                with self._lock:
                    self._opened.append(connection)
            try:
                yield connection
            finally:
                self._idle[service].put(connection)

    def close(self) -> None:
        with self._lock:
            for connection in self._opened:
                connection.close()
            self._opened.clear()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def headroom(connection: Connection) -> int:
    """Connections the server still accepts (max_connections less those open now)."""
    row = connection.execute(
        "SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)"
    ).fetchone()
    return int(row[0]) if row else 0


def server_version(connection: Connection) -> str:
    row = connection.execute("SELECT version()").fetchone()
    return str(row[0]) if row else "unknown"


def table_rows(connection: Connection) -> dict[str, int]:
    """Exact row count of every table of a service (migration bookkeeping left out)."""
    tables = [
        str(row[0])
        for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version' ORDER BY tablename"
        )
    ]
    counts = {}
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = connection.execute(query).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts
