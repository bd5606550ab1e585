"""Test support shared by every service's tests (loaded as a pytest plugin).

Tests run against PostgreSQL when it is reachable (SERIALTRACE_TEST_DATABASE_URL, by
default the local server) and on SQLite otherwise or when SERIALTRACE_TEST_DATABASE=
sqlite. Each test session creates its own databases and drops them at the end.
Services under test are the real servers on real ports; nothing of ours is mocked.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import pytest

from serialtrace.common import server
from serialtrace.common.auth import issue_token
from serialtrace.common.config import DEFAULT_ADDRS, ServiceSettings

TEST_JWT_SECRET = "serialtrace-test-secret-not-for-production"  # noqa: S105
# The 32-byte Ed25519 seed (hex) that signs ledger checkpoints in tests; public, test-only.
TEST_SIGNING_KEY = "5e71a1ed" * 8
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@cache
def backend() -> tuple[str, str | None]:
    """("postgresql", admin URL) when PostgreSQL is reachable, else ("sqlite", None)."""
    if os.environ.get("SERIALTRACE_TEST_DATABASE", "").lower() == "sqlite":
        return "sqlite", None
    url = os.environ.get("SERIALTRACE_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)
    try:
        import psycopg

        with psycopg.connect(_libpq(url), connect_timeout=3):
            return "postgresql", url
    except Exception:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI needs PostgreSQL, and {url} is not reachable") from None
        return "sqlite", None


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def describe_backend() -> str:
    kind, url = backend()
    if kind == "postgresql":
        return f"tests use PostgreSQL ({_libpq(url or '').rsplit('@', 1)[-1]})"
    return "tests use SQLite (embedded default; PostgreSQL not reachable or not asked for)"


class TestDatabases:
    """Creates a fresh database per request and drops them all at the end."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, tmp: Path) -> None:
        self.kind, self.admin_url = backend()
        self.tmp = tmp
        self.created: list[str] = []

    def create(self, name: str, kind: str | None = None) -> str:
        kind = kind or self.kind
        suffix = secrets.token_hex(4)
        if kind == "sqlite":
            return f"sqlite:///{self.tmp / f'{name}-{suffix}.db'}"
        import psycopg

        db_name = f"st_test_{name}_{suffix}"
        with psycopg.connect(_libpq(self.admin_url or ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        self.created.append(db_name)
        base = (self.admin_url or "").rsplit("/", 1)[0]
        return f"{base}/{db_name}"

    def drop_all(self) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(_libpq(self.admin_url or ""), autocommit=True) as conn:
            for db_name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def token(subject: str, *role_names: str) -> str:
    return issue_token(TEST_JWT_SECRET, subject, role_names)


def service_settings(name: str, database_url: str, **extra_env: str) -> ServiceSettings:
    """Settings for a service under test: free port, test secret, no metrics server."""
    env = {
        "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
        "SERIALTRACE_SIGNING_KEY": TEST_SIGNING_KEY,
        f"{name.upper()}_ADDR": "127.0.0.1:0",
        f"{name.upper()}_DATABASE_URL": database_url,
        f"{name.upper()}_METRICS_PORT": "0",
        **{f"{n.upper()}_ADDR": a for n, a in DEFAULT_ADDRS.items() if n != name},
        **extra_env,
    }
    return ServiceSettings.from_env(name, env)


def start_service(
    definition: server.ServiceDefinition, database_url: str, **extra_env: str
) -> server.RunningServer:
    return server.start(definition, service_settings(definition.name, database_url, **extra_env))


class Caller:
    """A stub whose every call carries a bearer token: `caller.CreateProduct(request)`."""

    def __init__(self, stub: Any, bearer: str | None) -> None:
        self._stub, self._bearer = stub, bearer

    def __getattr__(self, rpc: str) -> Any:
        method = getattr(self._stub, rpc)
        metadata = [("authorization", f"Bearer {self._bearer}")] if self._bearer else []

        def call(request: Any, timeout: float = 30.0) -> Any:
            return method(request, metadata=metadata, timeout=timeout)

        return call


def rpc_error(call: Any, *args: Any) -> grpc.RpcError:
    """Runs a call expected to fail and returns its error (fails the test otherwise)."""
    with pytest.raises(grpc.RpcError) as info:
        call(*args)
    return info.value


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    databases = TestDatabases(tmp_path_factory.mktemp("databases"))
    yield databases
    databases.drop_all()


def pytest_report_header(config: pytest.Config) -> str:
    return describe_backend()


def unique(prefix: str) -> str:
    """Test data names that never collide across tests sharing one database."""
    return f"{prefix}-{secrets.token_hex(3).upper()}"


def statements_run(call: Any) -> int:
    """The SQL statements run in this process while `call()` runs (for servers started
    in-process, with nothing else calling them meanwhile). A ledger checkpointer's own
    statements are left out: its thread wakes on a timer and may run one mid-count."""
    import threading

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from serialtrace.common.checkpoint_store import CHECKPOINTER_THREAD_SUFFIX

    ran: list[str] = []

    def count(*args: Any) -> None:
        if not threading.current_thread().name.endswith(CHECKPOINTER_THREAD_SUFFIX):
            ran.append(args[2])

    event.listen(Engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(ran)


def sql_engine(database_url: str) -> Any:
    """A direct SQLAlchemy engine on a service's database, for assertions on rows."""
    from sqlalchemy import create_engine

    from serialtrace.common.db import normalize_url

    return create_engine(normalize_url(database_url))


def migration_drift(migrations: Path, metadata: Any, database_url: str) -> list[Any]:
    """Differences between a service's models and what its migrations build (empty when
    they agree); the shared ledger and idempotency tables are left out."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from serialtrace.common.db import SHARED_TABLES, Database, migrate

    database = Database(database_url)
    try:
        migrate(database, migrations)
        with database.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_name": lambda name, type_, _: (
                        not (type_ == "table" and name in SHARED_TABLES)
                    )
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        database.dispose()


def assert_history_round_trips(
    migrations: Path, metadata: Any, test_databases: TestDatabases
) -> None:
    """On SQLite and on the test backend: every revision's downgrade takes back what its
    upgrade made (nothing is left at base), and upgrading again builds every table the
    models declare."""
    for kind in ("sqlite", test_databases.kind):
        url = test_databases.create("round_trip", kind=kind)
        at_base, at_head = migration_round_trip(migrations, url)
        assert at_base == set(), (kind, at_base)
        assert set(metadata.tables) <= at_head, (kind, set(metadata.tables) - at_head)


def migration_round_trip(migrations: Path, database_url: str) -> tuple[set[str], set[str]]:
    """Upgrades to head, downgrades to base, upgrades again: (the tables left at base,
    besides alembic_version; the tables at head the second time)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from serialtrace.common.db import Database, migrate

    database = Database(database_url)
    try:
        migrate(database, migrations)
        config = Config()
        config.set_main_option("script_location", str(migrations))
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with database.engine.connect() as connection:
            at_base = set(inspect(connection).get_table_names()) - {"alembic_version"}
        migrate(database, migrations)
        with database.engine.connect() as connection:
            at_head = set(inspect(connection).get_table_names())
        return at_base, at_head
    finally:
        database.dispose()


def free_port() -> int:
    """A port nothing listens on right now (for services that must know each other's
    addresses before they start)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServices:
    """Several real services on free ports that know each other's addresses."""

    servers: dict[str, server.RunningServer]
    databases: dict[str, str]
    addrs: dict[str, str]

    def stop(self) -> None:
        for running in self.servers.values():
            running.stop(0)


def start_services(
    test_databases: TestDatabases, names: Sequence[str], **extra_env: str
) -> RunningServices:
    """Starts the named installed services (found through their entry points), each on
    its own fresh database, every one told where the others listen."""
    from serialtrace.common.cli import installed_services

    definitions = installed_services()
    addrs = {name: f"127.0.0.1:{free_port()}" for name in names}
    env = {**{f"{n.upper()}_ADDR": a for n, a in addrs.items()}, **extra_env}
    databases = {name: test_databases.create(name) for name in names}
    servers = {
        name: start_service(definitions[name].load(), databases[name], **env) for name in names
    }
    return RunningServices(servers, databases, addrs)


if __name__ == "__main__":
    print(describe_backend())
    sys.exit(0)
