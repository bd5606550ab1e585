"""The shared bulk insert: a text longer than its column is refused, never cut short."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.exc import DBAPIError

from serialtrace.common.db import Database, bulk_insert, bulk_insert_statement
from serialtrace.common.errors import InvalidArgument
from serialtrace.common.testing import TestDatabases

metadata = MetaData()
labels = Table(
    "labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(5), nullable=False),
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
