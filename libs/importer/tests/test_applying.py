"""How apply sends a file's rows: several calls under way at once, each group of rows
that rest on each other (installations of one unit tree) still one call at a time and
in file order. Against a stand-in for the bulk RPC that records what it was sent."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from serialtrace.importer import batches
from serialtrace.importer.batches import Applier, RowGroups
from serialtrace.importer.reading import open_directory
from serialtrace.production.v1 import production_pb2 as pp

HEADER = (
    "parent_sku,parent_serial,installed_at,component_sku,component_serial,"
    "lot_sku,lot_number,quantity"
)


class RecordingProduction:
    """Takes every installation, slowly, and records which parents were in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: list[set[str]] = []
        self.most_at_once = 0
        self.overlaps: list[str] = []
        self.order: list[tuple[str, int]] = []  # (tree, row) in the order judged

    def ImportComponentLinks(self, request: Any) -> Any:
        trees = {_tree(i.parent.serial) for i in request.items}
        with self.lock:
            for other in self.in_flight:
                self.overlaps += sorted(trees & other)
            self.in_flight.append(trees)
            self.most_at_once = max(self.most_at_once, len(self.in_flight))
            self.order += [(_tree(i.parent.serial), i.provenance.row) for i in request.items]
        time.sleep(0.05)
        with self.lock:
            self.in_flight.remove(trees)
        return pp.ImportComponentLinksResponse(
            outcomes=[pp.ImportComponentLinkOutcome(link=pp.ComponentLink()) for _ in request.items]
        )


def _tree(serial: str) -> str:
    return serial.removeprefix("S").removeprefix("F")


class Services:
    def __init__(self) -> None:
        self.production = RecordingProduction()


def test_genealogy_calls_overlap_but_never_two_of_one_unit_tree(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(batches, "CHUNK", 10)
    lines = [HEADER]
    for n in range(30):  # 30 trees of 4 rows: a subassembly's lot, it into its parent, …
        lines += [
            f"SUB,S{n},2023-01-02,,,RES,L{n % 3},1",
            f"FG,F{n},2023-01-03,SUB,S{n},,,",
            f"FG,F{n},2023-01-03,,,CAP,L{n % 2},2",
            f"FG,F{n},2023-01-03,,,CAP,L{n % 5},2",
        ]
    (tmp_path / "genealogy.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (table,), problems = open_directory(tmp_path)
    assert problems == []
    services = Services()
    result = Applier(services, "IMP-TEST", lambda rows: None).apply(table)
    production = services.production
    assert result.applied == 120 and result.refused == []
    assert production.most_at_once > 1, "calls are pipelined"
    assert production.overlaps == [], "a tree's rows are never in two calls at once"
    rows_of: dict[str, list[int]] = {}
    for tree, row in production.order:
        rows_of.setdefault(tree, []).append(row)
    assert all(rows == sorted(rows) for rows in rows_of.values()), "each tree in file order"
    assert sorted(row for _, row in production.order) == list(range(2, 122)), "each row once"


def test_rows_joined_through_a_unit_are_one_group_and_lots_join_nothing() -> None:
    groups = RowGroups()

    class Row:
        def __init__(self, parent: str, unit: str | None) -> None:
            self.parent = ("P", parent)
            self.component_unit = ("P", unit) if unit else None

    rows = [(2, Row("A", "B")), (3, Row("C", None)), (4, Row("B", "D")), (5, Row("E", None))]
    groups.add(rows)
    assert groups.root(rows[0]) == groups.root(rows[2]), "A holds B holds D: one tree"
    assert len(groups.roots(iter(rows))) == 3, "C and E (lots only) are trees of their own"
