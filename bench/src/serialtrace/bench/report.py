"""Figures, the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Figure:
    """One measured figure, its target (if it has one) and, for reads, the same
    answer computed with direct SQL in the same run."""

    name: str
    value: float
    unit: str
    target: float | None = None
    better: Better = "lower"
    sql_baseline: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    # A target for graph/SQL too: at most this many times the floor's time, or at least
    # this share of the floor's rate.
    ratio_target: float | None = None

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        if self.better == "lower":
            met = self.value <= self.target
            ratio_met = self.ratio_target is None or (self.ratio or 0) <= self.ratio_target
        else:
            met = self.value >= self.target
            ratio_met = self.ratio_target is None or (self.ratio or 0) >= self.ratio_target
        return met and ratio_met

    @property
    def ratio(self) -> float | None:
        """graph / SQL: how many times the floor's time, or its share of the floor's rate."""
        if self.sql_baseline is None or self.sql_baseline <= 0:
            return None
        return self.value / self.sql_baseline

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": significant(self.value),
            "unit": self.unit,
            "target": self.target,
            "better": self.better,
            "ratio_target": self.ratio_target,
            "meets_target": self.meets_target,
            "sql_baseline": None if self.sql_baseline is None else significant(self.sql_baseline),
            "ratio": None if self.ratio is None else significant(self.ratio),
            "detail": self.detail,
        }


def significant(value: float, digits: int = 4) -> float:
    """`value` to `digits` significant digits (a floor of 0.0009 s keeps its digits)."""
    return float(f"{value:.{digits}g}")


def number(value: float) -> str:
    """Three significant digits at most, thousands separated: 0.123, 12.3, 1,234."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _target(figure: Figure) -> str:
    if figure.target is None:
        return "-"
    sign = "≤" if figure.better == "lower" else "≥"
    shown = f"{sign} {figure.target:,g} {figure.unit}"
    if figure.ratio_target is not None:
        shown += f", {sign} {figure.ratio_target:g}x"
    return shown


def _ok(figure: Figure) -> str:
    return {True: "yes", False: "NO", None: "-"}[figure.meets_target]


HEADERS = ("figure", "value", "target", "ok?", "SQL floor", "graph/SQL")


def table_rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    return [
        (
            f.name,
            f"{number(f.value)} {f.unit}",
            _target(f),
            _ok(f),
            "-" if f.sql_baseline is None else f"{number(f.sql_baseline)} {f.unit}",
            "-" if f.ratio is None else f"{number(f.ratio)}x",
        )
        for f in figures
    ]


def format_table(figures: list[Figure]) -> str:
    """A plain-text table: the figure's name left-aligned, the numbers right-aligned."""
    rows = [HEADERS, *table_rows(figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def machine(pg_version: str) -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "memory_mb": memory_mb(),
        "postgresql": pg_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def memory_mb() -> int | None:
    try:
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                return int(text.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
