"""The unit of work's batch item: a refused item is undone, the others stay."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from serialtrace.common.auth import Principal
from serialtrace.common.db import Database
from serialtrace.common.errors import FailedPrecondition
from serialtrace.common.uow import UnitOfWork


def test_a_refused_item_of_a_batch_leaves_no_write_and_no_audit_entry(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'uow.db'}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE things (name TEXT PRIMARY KEY)")

    def add(uow: UnitOfWork, name: str) -> str:
        uow.session.execute(text("INSERT INTO things (name) VALUES (:name)"), {"name": name})
        uow.record("thing.added", "thing", name, {})
        if name == "b":
            raise FailedPrecondition("b is not wanted")
        if name == "boom":
            raise RuntimeError("not a refusal")
        return name

    try:
        with db.transaction() as session:
            uow = UnitOfWork(session, Principal("olga", frozenset(), ""))
            outcomes = [uow.attempt(partial(add, uow, name)) for name in ("a", "b", "c")]
            assert outcomes[0] == "a" and outcomes[2] == "c"
            assert isinstance(outcomes[1], FailedPrecondition)
            assert [e.entity_id for e in uow.pending] == ["a", "c"]
        with db.reader() as session:
            assert list(session.scalars(text("SELECT name FROM things ORDER BY name"))) == [
                "a",
                "c",
            ]
        # Anything but a refusal is not an item's outcome: it fails the whole transaction.
        with pytest.raises(RuntimeError), db.transaction() as session:
            uow = UnitOfWork(session, Principal("olga", frozenset(), ""))
            uow.attempt(partial(add, uow, "d"))
            uow.attempt(partial(add, uow, "boom"))
        with db.reader() as session:
            assert list(session.scalars(text("SELECT count(*) FROM things"))) == [2]
    finally:
        db.dispose()


class _Base(DeclarativeBase):
    pass


class _Thing(_Base):
    __tablename__ = "numbered_things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # SQLite reuses rowids
    name: Mapped[str] = mapped_column(String(20))


def test_a_row_read_in_a_refused_item_is_not_taken_for_a_later_row_with_its_id(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'ids.db'}")
    _Base.metadata.create_all(db.engine)

    def insert_and_read(uow: UnitOfWork, name: str, refuse: bool) -> str:
        uow.session.execute(insert(_Thing), [{"name": name}])
        row = uow.session.scalars(select(_Thing).where(_Thing.name == name)).one()
        if refuse:
            raise FailedPrecondition(f"{name} is not wanted")
        return f"{row.id}:{row.name}"

    try:
        with db.transaction() as session:
            uow = UnitOfWork(session, Principal("olga", frozenset(), ""))
            outcomes = [
                uow.attempt(partial(insert_and_read, uow, name, refuse))
                for name, refuse in (("first", True), ("second", False))
            ]
        # The refused row's id went back to SQLite and was handed out again; the row read
        # in the refused item must not answer for the new one.
        assert isinstance(outcomes[0], FailedPrecondition)
        assert outcomes[1] == "1:second"
    finally:
        db.dispose()
