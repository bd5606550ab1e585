"""The migration history builds exactly what the models describe."""

from serialtrace.common.testing import TestDatabases, migration_drift, migration_round_trip
from serialtrace.warehouse.main import service
from serialtrace.warehouse.store import Base


def test_migrations_match_the_models(test_databases: TestDatabases) -> None:
    assert migration_drift(service.migrations, Base.metadata, test_databases.create("drift")) == []


def test_each_revision_downgrades_what_it_upgraded(test_databases: TestDatabases) -> None:
    for kind in ("sqlite", test_databases.kind):
        url = test_databases.create("round_trip", kind=kind)
        at_base, at_head = migration_round_trip(service.migrations, url)
        assert at_base == set()
        assert set(Base.metadata.tables) <= at_head
