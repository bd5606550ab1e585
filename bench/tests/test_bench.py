"""The whole benchmark at a tiny size, twice, on fresh PostgreSQL databases: it
generates the factory when absent, reuses it the second time, measures every figure,
writes the JSON, and every direct-SQL floor gives the graph's answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from serialtrace.bench import cli
from serialtrace.bench.databases import connect
from serialtrace.bench.dataset import PREFIX
from serialtrace.bench.factory import plan_factory
from serialtrace.bench.runner import Options
from serialtrace.common.testing import TestDatabases
from serialtrace.testing import SUITE_SERVICES

UNITS, SEED = 20, 5
TINY = Options(
    units=UNITS,
    seed=SEED,
    clients=2,
    samples=4,
    traces=6,
    trace_units=4,
    where_used_samples=3,
    serials=40,
    scan_batches=2,
    scan_size=10,
    operations=6,
    epcis_documents=1,
    time_cap=30,
    workers=4,
)

FIGURES = {
    "unit trace p50, 1 client",
    "unit trace p95, 1 client",
    "unit trace p99, 1 client",
    "gRPC calls behind one trace",
    "unit traces/s, 2 clients",
    "whereUsed first page (100), p50",
    "whereUsed totalCount, p50",
    "createRecall, most-used lot (scope + locations + hold)",
    "createRecall scopeComputedInMs",
    "submitScans, 10 operation records a batch",
    "recordOperation, 2 clients",
    "commissionUnits of 40 serials",
    "receiveUnits of 40 serials",
    "scan of a 6-AI element string p50, connection kept alive",
    "scan of a 6-AI element string p50, a new connection per request",
    "unit label render (PNG, HTTP) p50",
    "EPCIS capture, documents of 1,000 events",
    "EPCIS events of one EPC p50",
    f"governance, computed ({UNITS} units), p50",
    "governance, from the cache, p50",
    "evidence package of a unit",
    "gateway RSS after the load",
    "gateway peak RSS (VmHWM)",
    *(f"{name} RSS after the load" for name in SUITE_SERVICES),
}
READS_WITH_FLOOR = {
    "unit trace p50, 1 client",
    "unit trace p95, 1 client",
    "unit trace p99, 1 client",
    "unit traces/s, 2 clients",
    "whereUsed first page (100), p50",
    "whereUsed totalCount, p50",
    "createRecall, most-used lot (scope + locations + hold)",
    "createRecall scopeComputedInMs",
}


@dataclass
class Run:
    json: dict[str, Any]  # as read back from the file
    printed: str


@dataclass
class Runs:
    first: Run
    second: Run
    databases: dict[str, str]


@pytest.fixture(scope="module")
def runs(test_databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    if test_databases.kind != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL; this test run uses SQLite")
    urls = {name: test_databases.create(name) for name in SUITE_SERVICES}
    tmp = tmp_path_factory.mktemp("bench")
    capture = pytest.MonkeyPatch()
    lines: list[str] = []
    capture.setattr(cli, "_say", lines.append)
    try:
        done = []
        for n in (1, 2):
            lines.clear()
            out = tmp / f"run{n}" / "latest.json"
            cli.measure(TINY, urls, out, tmp / "logs")
            done.append(Run(json.loads(out.read_text()), "\n".join(lines)))
    finally:
        capture.undo()
    yield Runs(*done, databases=urls)


def figures(run: Run) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in run.json["figures"]}


def test_the_first_run_generates_the_factory_and_the_second_reuses_it(runs: Runs) -> None:
    first, second = runs.first.json["dataset"], runs.second.json["dataset"]
    assert (first["state_found"], first["generated_this_run"]) == ("absent", True)
    assert first["generation_seconds"] > 0
    assert first["generator_rows"]["production"]
    assert (second["state_found"], second["generated_this_run"]) == ("complete", False)
    assert second["generation_seconds"] is None
    for data in (first, second):
        assert (data["units"], data["seed"], data["prefix"]) == (UNITS, SEED, PREFIX)
        assert data["table_rows"]["production"]["units"] >= 2 * UNITS
        assert all(data["rows_per_service"][s] > 0 for s in ("masterdata", "production"))


def test_the_epcis_repository_has_followed_the_whole_factory_before_the_figures(
    runs: Runs,
) -> None:
    for run in (runs.first, runs.second):
        said = run.printed.splitlines()
        caught_up = next(i for i, line in enumerate(said) if "EPCIS repository caught up" in line)
        assert caught_up < next(i for i, line in enumerate(said) if line.startswith("reads:"))
    with connect(runs.databases["epcis"]) as epcis:
        [(commissioned,)] = epcis.execute(
            "SELECT count(*) FROM epcis_events WHERE biz_step LIKE '%commissioning'"
        ).fetchall()
    assert commissioned >= UNITS  # every finished unit's commissioning, implied


def test_every_table_with_rows_has_planner_statistics(runs: Runs) -> None:
    # Servers without autovacuum (this CI's) would otherwise measure blind plans.
    for service, url in runs.databases.items():
        with connect(url) as connection:
            never = connection.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 0"
                " AND last_analyze IS NULL AND last_autoanalyze IS NULL"
            ).fetchall()
        assert never == [], f"{service}: {never}"


def test_every_figure_is_there_with_a_positive_value(runs: Runs) -> None:
    for run in (runs.first, runs.second):
        found = figures(run)
        # The recall's package is named by the units the run's recall affected.
        recall = [n for n in found if n.startswith("evidence package of a recall of ")]
        assert len(recall) == 1, sorted(found)
        assert set(found) - set(recall) == FIGURES
        for name, figure in found.items():
            assert figure["value"] > 0, name
            assert set(figure) >= {
                "name",
                "value",
                "unit",
                "target",
                "meets_target",
                "sql_baseline",
                "ratio",
            }
            if name in READS_WITH_FLOOR:
                assert figure["sql_baseline"] > 0, name
                assert figure["ratio"] == pytest.approx(
                    figure["value"] / figure["sql_baseline"], rel=0.01
                )
            else:
                assert figure["sql_baseline"] is None and figure["ratio"] is None, name
        assert found["unit trace p50, 1 client"]["target"] == 25
        assert found["unit traces/s, 2 clients"]["better"] == "higher"
        assert found["unit trace p95, 1 client"]["meets_target"] is None  # no target
        # The gateway's own call counter: one call per service for the planned trace.
        assert found["gRPC calls behind one trace"]["value"] == 4


def test_the_json_describes_the_machine_and_the_run(runs: Runs) -> None:
    data = runs.first.json
    assert data["machine"]["cpus"] >= 1 and data["machine"]["cpu_model"]
    assert data["machine"]["postgresql"].startswith("PostgreSQL")
    assert data["options"]["serials"] == TINY.serials
    assert data["run"]["id"] != runs.second.json["run"]["id"]
    assert data["this_run_added"]["units_commissioned"] == TINY.serials
    assert data["this_run_added"]["operation_records"] == (
        TINY.scan_batches * TINY.scan_size + TINY.operations
    )


def test_where_used_from_sql_is_the_graph_answer_and_the_plan(runs: Runs) -> None:
    plan = plan_factory(UNITS, SEED, PREFIX)
    for run in (runs.first, runs.second):
        check = run.json["checks"]["where_used"]
        assert tuple(check["lot"]) == plan.most_used_lot
        assert check["graph_total"] == check["sql_total"] == plan.usage[plan.most_used_lot]
        assert check["graph_first_page"] == check["sql_first_page"] == check["graph_total"]
        assert check["first_pages_equal"] is True


def test_recall_scope_from_sql_is_the_graph_answer(runs: Runs) -> None:
    planned = plan_factory(UNITS, SEED, PREFIX).usage
    for run in (runs.first, runs.second):
        check = run.json["checks"]["recall"]
        assert check["graph_affected"] == check["sql_affected"] == planned[tuple(check["lot"])]
        assert check["graph_counts"] == check["sql_counts"]
        assert sum(check["graph_counts"].values()) == check["graph_affected"]
        # 20 units: two pallets, the first shipped; the recall's hold was released.
        assert set(check["graph_counts"]) <= {"SHIPPED", "IN_STOCK"}
        assert run.json["this_run_added"]["holds_placed_and_released"] == int(
            "IN_STOCK" in check["graph_counts"]
        )


def test_trace_from_sql_is_the_graph_answer(runs: Runs) -> None:
    for run in (runs.first, runs.second):
        checks = run.json["checks"]
        assert checks["traces_compared"] == TINY.trace_units
        example = checks["trace_example"]
        assert example["graph"] == example["sql"]
        sku, serial = example["unit"]
        assert sku == f"{PREFIX}-FIN"
        assert example["graph"]["units"] == sorted(
            [f"{sku}/{serial}", f"{PREFIX}-SUB/{PREFIX}-S{serial[-7:]}"]
        )
        assert len(example["graph"]["components"]) == 9  # 8 lots and the subassembly
        assert example["graph"]["material_lots"] == 13
        assert example["graph"]["operations"] == 6
        assert example["graph"]["audit_entries"] > 0


def test_the_traced_units_stay_outside_the_recalled_lot(runs: Runs) -> None:
    """The run's recall must not change what the next run traces."""
    plan = plan_factory(UNITS, SEED, PREFIX)
    serial = runs.first.json["checks"]["trace_example"]["unit"][1]
    n = int(serial.rsplit("F", 1)[1]) - 1
    lots = {plan.lot_of(n, m) for m in range(13)}
    if plan.usage[plan.most_used_lot] < UNITS:
        assert plan.most_used_lot not in lots
    assert runs.second.json["checks"]["trace_example"] == runs.first.json["checks"]["trace_example"]


def test_the_printed_table_has_every_figure_and_its_target(runs: Runs) -> None:
    printed = runs.first.printed
    assert "figure" in printed and "target" in printed and "SQL floor" in printed
    for name in FIGURES:
        assert name in printed
    assert "≤ 25 ms" in printed and "≥ 200 /s" in printed
    assert "generated in" in printed and "reused from an earlier run" in runs.second.printed
