"""The genealogy store against a real database: the maintained ancestry answers backward
and forward traces, stays right through rework, and pages where-used at scale."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select

from serialtrace.common.db import Database, migrate
from serialtrace.common.testing import TestDatabases
from serialtrace.common.timeutil import utcnow
from serialtrace.production import store
from serialtrace.production.main import service

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def database(test_databases: TestDatabases) -> Iterator[Database]:
    db = Database(test_databases.create("genealogy"))
    migrate(db, service.migrations)
    yield db
    db.dispose()


def node(db_session: object, kind: str, sku: str, key: str) -> store.NodeRow:
    return store.ensure_node(db_session, kind, sku, key)  # type: ignore[arg-type]


def install(session: object, parent: store.NodeRow, component: store.NodeRow) -> store.EdgeRow:
    return store.add_edge(
        session,
        f"E{next(_ids)}",
        parent,
        component,
        1.0,
        "ASSY",  # type: ignore[arg-type]
        "olga",
        utcnow(),
    )


def keys(nodes: list[store.NodeRow]) -> list[str]:
    return [n.key for n in nodes]


def test_three_level_trace_backward_and_forward(database: Database) -> None:
    with database.transaction() as s:
        fg, sub = node(s, "UNIT", "FG", "F1"), node(s, "UNIT", "SUB", "S1")
        lot_a, lot_b = node(s, "LOT", "RESIN", "A-3lvl"), node(s, "LOT", "SCREW", "B-3lvl")
        install(s, sub, lot_a)
        install(s, fg, sub)
        install(s, fg, lot_b)
    with database.reader() as s:
        lots = store.descendant_lots(s, [fg.id, sub.id])
        assert sorted(keys(lots[fg.id])) == ["A-3lvl", "B-3lvl"]
        assert keys(lots[sub.id]) == ["A-3lvl"]
        page, total = store.where_used(s, lot_a.id, 100), store.where_used_count(s, lot_a.id)
        assert (page, total) == ([("FG", "F1")], 1)  # the top-level unit, not the sub


def test_rework_removes_the_old_path_and_keeps_history(database: Database) -> None:
    with database.transaction() as s:
        fg, sub = node(s, "UNIT", "FG", "F2"), node(s, "UNIT", "SUB", "S2")
        new_sub = node(s, "UNIT", "SUB", "S2-NEW")
        old_lot, new_lot = node(s, "LOT", "RESIN", "OLD-rw"), node(s, "LOT", "RESIN", "NEW-rw")
        install(s, sub, old_lot)
        install(s, new_sub, new_lot)
        edge = install(s, fg, sub)
    with database.transaction() as s:
        edge = s.get(store.EdgeRow, edge.id)
        sub = s.get(store.NodeRow, sub.id)
        store.remove_edge(s, edge, sub, "quinn", "failed leak test", utcnow())
        install(s, s.get(store.NodeRow, fg.id), s.get(store.NodeRow, new_sub.id))
    with database.reader() as s:
        assert keys(store.descendant_lots(s, [fg.id])[fg.id]) == ["NEW-rw"]
        assert store.where_used(s, old_lot.id, 100) == [("SUB", "S2")]  # S2 is loose now
        assert store.where_used(s, new_lot.id, 100) == [("FG", "F2")]
        current = store.tree_edges(s, fg.id, include_removed=False)
        everything = store.tree_edges(s, fg.id, include_removed=True)
        assert len(current) == 2 and len(everything) == 4
        removed = [e for e in everything if e.removed_at is not None]
        assert [(e.removed_by, e.removal_reason) for e in removed] == [
            ("quinn", "failed leak test")
        ]


def test_a_lot_reached_by_two_paths_stays_until_both_are_gone(database: Database) -> None:
    with database.transaction() as s:
        fg, sub = node(s, "UNIT", "FG", "F3"), node(s, "UNIT", "SUB", "S3")
        lot = node(s, "LOT", "GLUE", "G-2path")
        install(s, sub, lot)
        install(s, fg, sub)
        direct = install(s, fg, lot)
    with database.transaction() as s:
        store.remove_edge(
            s,
            s.get(store.EdgeRow, direct.id),
            s.get(store.NodeRow, lot.id),
            "quinn",
            "double counted",
            utcnow(),
        )
    with database.reader() as s:
        assert keys(store.descendant_lots(s, [fg.id])[fg.id]) == ["G-2path"]
        assert not store.contains(s, sub.id, fg.id)
        assert store.contains(s, fg.id, lot.id)


def test_where_used_of_a_lot_in_20000_units_pages_with_a_correct_total(database: Database) -> None:
    with database.transaction() as s:
        lot = node(s, "LOT", "RESIN", "BIG-LOT")
        s.execute(
            insert(store.NodeRow),
            [{"kind": "UNIT", "sku": "FG-BIG", "key": f"U{n:05d}"} for n in range(20_000)],
        )
        units = list(s.scalars(select(store.NodeRow).where(store.NodeRow.sku == "FG-BIG")))
        now = utcnow()
        for unit in units:
            store.add_edge(s, f"E{next(_ids)}", unit, lot, 0.5, None, "gen", now)
    with database.reader() as s:
        first, total = store.where_used(s, lot.id, 100), store.where_used_count(s, lot.id)
        assert total == 20_000 and len(first) == 100
        second = store.where_used(s, lot.id, 100, first[-1])
        # Pages follow (sku, serial) order: the second starts where the first stopped.
        assert first + second == [("FG-BIG", f"U{n:05d}") for n in range(200)]


def test_a_kit_counts_every_path_of_a_component_listed_more_than_once(
    database: Database,
) -> None:
    def paths(s: object, ancestor: store.NodeRow, descendant: store.NodeRow) -> int:
        row = s.get(store.AncestryRow, (ancestor.id, descendant.id))  # type: ignore[attr-defined]
        return row.paths if row else 0

    with database.transaction() as s:
        fg, sub = node(s, "UNIT", "FG", "F-kit"), node(s, "UNIT", "SUB", "S-kit")
        glue, tape = node(s, "LOT", "GLUE", "G-kit"), node(s, "LOT", "TAPE", "T-kit")
        install(s, sub, glue)
        # One kit: the subassembly (glue inside), glue twice more directly, tape once.
        edges = store.add_edges(
            s,
            fg,
            [("K1", sub, 1.0), ("K2", glue, 0.5), ("K3", glue, 0.5), ("K4", tape, 2.0)],
            "ASSY",
            "olga",
            utcnow(),
        )
        assert [e.id for e in edges] == ["K1", "K2", "K3", "K4"]
        assert (paths(s, fg, glue), paths(s, fg, tape), paths(s, fg, sub)) == (3, 1, 1)
    # Each removal takes away its own path only; glue stays until the last one goes.
    for edge_id, component, glue_paths in (("K2", glue, 2), ("K1", sub, 1), ("K3", glue, 0)):
        with database.transaction() as s:
            edge = s.get(store.EdgeRow, edge_id)
            store.remove_edge(
                s, edge, s.get(store.NodeRow, component.id), "olga", "rework", utcnow()
            )
        with database.reader() as s:
            assert paths(s, fg, glue) == glue_paths
            assert store.contains(s, fg.id, glue.id) == (glue_paths > 0)
    with database.reader() as s:
        assert paths(s, fg, tape) == 1 and not store.contains(s, fg.id, sub.id)
