"""The migration history builds exactly what the models describe."""

from serialtrace.common.testing import TestDatabases, assert_history_round_trips, migration_drift
from serialtrace.production.main import service
from serialtrace.production.store import Base


def test_migrations_match_the_models(test_databases: TestDatabases) -> None:
    assert migration_drift(service.migrations, Base.metadata, test_databases.create("drift")) == []


def test_migrations_match_the_models_on_sqlite(test_databases: TestDatabases) -> None:
    url = test_databases.create("drift", kind="sqlite")
    assert migration_drift(service.migrations, Base.metadata, url) == []


def test_each_revision_downgrades_what_it_upgraded(test_databases: TestDatabases) -> None:
    assert_history_round_trips(service.migrations, Base.metadata, test_databases)
