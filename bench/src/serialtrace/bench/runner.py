"""One benchmark run: the suite on the benchmark's databases, the dataset generated if
absent, then every performance figure through the graph, each read beside its direct-SQL
floor, with the two answers checked equal before any figure counts."""

from __future__ import annotations

import datetime
import json
import os
import secrets
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from serialtrace.bench import audit, dataset, epcis, report, sql, suite, workloads
from serialtrace.bench.answers import Key, TraceFacts, differences, from_graph
from serialtrace.bench.databases import Pool, headroom, server_version, table_rows
from serialtrace.bench.factory import SHAPES
from serialtrace.bench.report import Figure
from serialtrace.bench.stats import Latencies, Load, run_clients, time_calls
from serialtrace.bench.workloads import BenchError
from serialtrace.epcis.testing import sgtin
from serialtrace.testing import AUDITOR, OPERATOR, SERVICE_NAMES, VIEWER, GraphClient, ProcessSuite

WHERE_USED_PAGE = 100
RECALL_FLOOR_SAMPLES = 3
SPARE_CONNECTIONS = 10  # left for the services and anyone else on the server


@dataclass(frozen=True)
class Options:
    units: int = 1000  # finished units in the factory
    seed: int = 7
    shape: str = "factory"  # or "recall": only whereUsed and createRecall are measured
    clients: int = 16  # concurrent clients for traces/s, submitScans and recordOperation
    samples: int = 200  # one-client trace samples (graph, and again SQL)
    traces: int = 1600  # traces at `clients` clients (graph, and again SQL)
    trace_units: int = 50  # distinct units traced in turn
    where_used_samples: int = 20
    serials: int = 5000  # commissionUnits and receiveUnits size
    scan_batches: int = 32
    scan_size: int = 100
    operations: int = 1600  # single recordOperation calls
    epcis_documents: int = 3  # EPCIS capture: documents of 1,000 events each
    time_cap: float = 60.0  # seconds, per load loop
    workers: int = 8  # generator threads


@dataclass(frozen=True)
class Result:
    figures: list[Figure]
    json: dict[str, Any]  # what --out holds


def _latency_detail(latencies: Latencies) -> dict[str, Any]:
    return {
        "samples": latencies.count,
        "p50_ms": round(latencies.p(50), 3),
        "p95_ms": round(latencies.p(95), 3),
        "p99_ms": round(latencies.p(99), 3),
        "max_ms": round(max(latencies.samples), 3),
    }


def _load_detail(load: Load) -> dict[str, Any]:
    return {
        "clients": load.clients,
        "calls": load.done,
        "seconds": round(load.seconds, 3),
        "stopped_by_time_cap": load.capped,
    }


def _check_traces(
    graph: GraphClient, pool: Pool, units: Sequence[Key]
) -> list[tuple[TraceFacts, TraceFacts]]:
    """Every sampled unit's trace, from the graph and from SQL: the same facts, or the
    run stops (a fast wrong answer is no figure). Also warms both paths up."""
    answers = []
    for unit in units:
        answer = from_graph(workloads.trace(graph, unit)), sql.trace(pool, unit)
        found = differences(*answer)
        if found:
            raise BenchError(
                f"the graph and SQL disagree on the trace of {unit[0]}/{unit[1]}:\n  "
                + "\n  ".join(found[:20])
            )
        answers.append(answer)
    return answers


def _trace_figures(
    url: str,
    pool: Pool,
    databases: Mapping[str, str],
    units: Sequence[Key],
    options: Options,
    checks: dict[str, Any],
) -> list[Figure]:
    graph = GraphClient(url, AUDITOR)
    answers = _check_traces(graph, pool, units)
    checks["traces_compared"] = len(answers)
    checks["trace_example"] = {
        "unit": list(units[0]),
        "graph": _trace_summary(answers[0][0]),
        "sql": _trace_summary(answers[0][1]),
    }

    def pick(i: int) -> Key:
        return units[i % len(units)]

    calls_per_trace = workloads.grpc_calls_of_trace(graph, units[0])
    cap = options.time_cap
    graph_one = time_calls(lambda i: workloads.trace(graph, pick(i)), options.samples, cap)
    sql_one = time_calls(lambda i: sql.trace(pool, pick(i)), options.samples, cap)
    graph_many = run_clients(
        lambda _c, i: workloads.trace(graph, pick(i)), options.clients, options.traces, cap
    )
    # The services keep the connections the graph's load opened; the floor's clients
    # share what the server has left (each reads one database at a time).
    with pool.use("production") as production:
        per_database = max(1, min(options.clients, (headroom(production) - SPARE_CONNECTIONS) // 4))
    with Pool(databases, per_database) as shared:
        sql_many = run_clients(
            lambda _c, i: sql.trace(shared, pick(i)), options.clients, options.traces, cap
        )
    return trace_figures(
        graph_one,
        sql_one,
        graph_many,
        sql_many,
        calls_per_trace,
        options.clients,
        one_detail={"graph": _latency_detail(graph_one), "sql": _latency_detail(sql_one)},
        many_detail={
            "graph": _load_detail(graph_many),
            "sql": {**_load_detail(sql_many), "connections_per_database": per_database},
        },
    )


def trace_figures(
    graph_one: Latencies,
    sql_one: Latencies,
    graph_many: Load,
    sql_many: Load,
    calls_per_trace: int,
    clients: int,
    one_detail: dict[str, Any] | None = None,
    many_detail: dict[str, Any] | None = None,
) -> list[Figure]:
    """The unit trace's figures beside their SQL floor: latency at one client, the gRPC
    calls behind one trace, and throughput at `clients` clients."""
    return [
        Figure(
            "unit trace p50, 1 client",
            graph_one.p(50),
            "ms",
            target=25,
            ratio_target=3,
            sql_baseline=sql_one.p(50),
            detail=one_detail or {},
        ),
        Figure("unit trace p95, 1 client", graph_one.p(95), "ms", sql_baseline=sql_one.p(95)),
        Figure(
            "unit trace p99, 1 client",
            graph_one.p(99),
            "ms",
            target=60,
            sql_baseline=sql_one.p(99),
        ),
        Figure("gRPC calls behind one trace", calls_per_trace, "calls", target=8),
        Figure(
            f"unit traces/s, {clients} clients",
            graph_many.rate(),
            "/s",
            target=200,
            ratio_target=0.5,
            better="higher",
            sql_baseline=sql_many.rate(),
            detail=many_detail or {},
        ),
    ]


def _where_used_figures(
    url: str, pool: Pool, plan_usage: int, lot: Key, options: Options, checks: dict[str, Any]
) -> list[Figure]:
    graph = GraphClient(url, AUDITOR)
    cap = options.time_cap
    page_graph = workloads.where_used_page(graph, lot, WHERE_USED_PAGE)
    page_sql = sql.where_used_page(pool, lot, WHERE_USED_PAGE)
    count_graph = workloads.where_used_count(graph, lot)
    count_sql = sql.where_used_count(pool, lot)
    checks["where_used"] = {
        "lot": list(lot),
        "planned_units": plan_usage,
        "graph_total": count_graph,
        "sql_total": count_sql,
        "graph_first_page": len(page_graph),
        "sql_first_page": len(page_sql),
        "first_pages_equal": page_graph == page_sql,
    }
    if not (count_graph == count_sql == plan_usage and page_graph == page_sql):
        raise BenchError(f"whereUsed: the graph and SQL disagree: {checks['where_used']}")
    n = options.where_used_samples
    page_times = time_calls(
        lambda _: workloads.where_used_page(graph, lot, WHERE_USED_PAGE), n, cap
    )
    page_floor = time_calls(lambda _: sql.where_used_page(pool, lot, WHERE_USED_PAGE), n, cap)
    count_times = time_calls(lambda _: workloads.where_used_count(graph, lot), n, cap)
    count_floor = time_calls(lambda _: sql.where_used_count(pool, lot), n, cap)
    return [
        _p50_beside_floor(
            f"whereUsed first page ({WHERE_USED_PAGE}), p50",
            page_times,
            page_floor,
            target=20,
            units_containing_lot=count_graph,
        ),
        _p50_beside_floor(
            "whereUsed totalCount, p50",
            count_times,
            count_floor,
            target=100,
            units_containing_lot=count_graph,
        ),
    ]


def _p50_beside_floor(
    name: str, graph: Latencies, floor: Latencies, target: float, **detail: Any
) -> Figure:
    """A read's p50 beside its SQL floor's, with both latency distributions in the detail."""
    return Figure(
        name,
        graph.p(50),
        "ms",
        target=target,
        sql_baseline=floor.p(50),
        detail={**detail, "graph": _latency_detail(graph), "sql": _latency_detail(floor)},
    )


def _trace_summary(facts: TraceFacts) -> dict[str, Any]:
    """A few of a trace's facts, kept in the JSON so a reader (and the tests) can see
    both answers side by side."""
    root = facts.units[facts.root]
    return {
        "units": sorted("/".join(k) for k in facts.units),
        "components": sorted("/".join(c[1:3]) for c in root.components),
        "material_lots": len(root.material_lots),
        "operations": len(root.operations),
        "audit_entries": sum(len(u.audit) for u in facts.units.values()),
        "custody": root.custody,
        "shipment": root.shipment,
    }


def _recall_figures(
    url: str, pool: Pool, lot: Key, plan_usage: int, run: str, checks: dict[str, Any]
) -> tuple[list[Figure], dict[str, int]]:
    floors = [sql.recall(pool, lot) for _ in range(RECALL_FLOOR_SAMPLES)]
    recall = workloads.create_recall(url, lot, run)
    floor = floors[0]
    checks["recall"] = {
        "id": recall.id,
        "lot": list(lot),
        "planned_units": plan_usage,
        "graph_affected": recall.affected,
        "sql_affected": floor.affected,
        "graph_counts": recall.counts,
        "sql_counts": floor.counts,
    }
    if not (recall.affected == floor.affected == plan_usage and recall.counts == floor.counts):
        raise BenchError(f"createRecall: the graph and SQL disagree: {checks['recall']}")
    total_floor = statistics.median(f.total_ms for f in floors) / 1000
    scope_floor = statistics.median(f.scope_ms for f in floors)
    figures = [
        Figure(
            "createRecall, most-used lot (scope + locations + hold)",
            recall.seconds,
            "s",
            target=3,
            ratio_target=2,
            sql_baseline=total_floor,
            detail={"recall": recall.id, "affected": recall.affected, "counts": recall.counts},
        ),
        Figure("createRecall scopeComputedInMs", recall.scope_ms, "ms", sql_baseline=scope_floor),
    ]
    added = {
        "recalls": 1,
        "holds_placed_and_released": int(bool({"IN_STOCK", "IN_PRODUCTION"} & set(recall.counts))),
    }
    return figures, added


def _writes(
    url: str,
    pool: Pool,
    lot: Key,
    plan_usage: int,
    options: Options,
    run: str,
    checks: dict[str, Any],
) -> tuple[list[Figure], dict[str, int]]:
    workloads.ensure_fixtures(url)
    cap, clients = options.time_cap, options.clients
    commissioned = workloads.commission(url, options.serials, run)
    units = commissioned.units
    scans = workloads.submit_scans(
        url, units, options.scan_batches, options.scan_size, clients, run, cap
    )
    shift = (options.scan_batches * options.scan_size) % len(units)
    operations = workloads.record_operations(
        url, [*units[shift:], *units[:shift]], options.operations, clients, run, cap
    )
    received = workloads.receive(url, options.serials, run)
    recalled, recall_added = _recall_figures(url, pool, lot, plan_usage, run, checks)
    n = options.serials
    figures = [
        *recalled,
        Figure(
            f"submitScans, {options.scan_size} operation records a batch",
            scans.rate(options.scan_size),
            "records/s",
            target=3000,
            better="higher",
            detail=_load_detail(scans),
        ),
        Figure(
            f"recordOperation, {clients} clients",
            operations.rate(),
            "records/s",
            target=300,
            better="higher",
            detail=_load_detail(operations),
        ),
        Figure(f"commissionUnits of {n:,} serials", commissioned.seconds, "s", target=1),
        Figure(f"receiveUnits of {n:,} serials", received.seconds, "s", target=1),
    ]
    added = {
        "units_commissioned": len(units),
        "units_received": len(received.units),
        "operation_records": scans.done * options.scan_size + operations.done,
        **recall_added,
    }
    return figures, added


def gs1_figures(url: str, options: Options, run: str) -> list[Figure]:
    """GS1: scan of a 6-AI element string and one PNG label render, at the gateway."""
    measured = workloads.gs1_scan_and_label(url, run, options.samples, options.time_cap)
    # Both ways of connecting, taken turn about: the target is for a scanning station's
    # connection kept open; a new TCP connection per request costs both ends more.
    return [
        Figure(
            f"scan of a {measured.ais}-AI element string p50, connection kept alive",
            measured.scan_kept_alive.p(50),
            "ms",
            target=5,
            detail={
                **_latency_detail(measured.scan_kept_alive),
                "connections": measured.kept_alive_connections,
            },
        ),
        Figure(
            f"scan of a {measured.ais}-AI element string p50, a new connection per request",
            measured.scan.p(50),
            "ms",
            detail=_latency_detail(measured.scan),
        ),
        Figure(
            "unit label render (PNG, HTTP) p50",
            measured.label.p(50),
            "ms",
            target=50,
            detail=_latency_detail(measured.label),
        ),
    ]


def epcis_figures(url: str, options: Options, run: str) -> list[Figure]:
    """EPCIS: capture of 1,000-event documents (request to the job's finish), and the
    events of one EPC, at the gateway's /epcis beside the graph."""
    base, events = url.removesuffix("/graphql"), 1000
    rates, loads = [], []
    for n in range(options.epcis_documents + 1):  # document 0 warms the path up
        body = json.dumps(epcis.realistic_document(events, n, run)).encode()
        started = time.time()
        job = epcis.capture(base, body, OPERATOR, VIEWER)
        if not (job["success"] and job["capturedCount"] == events):
            raise BenchError(f"EPCIS capture failed: {str(job)[:200]}")
        if n:
            rates.append(events / (epcis.finished_at(job) - started))
            loads.append(os.getloadavg()[0])
    epc = sgtin(epcis.epc_serial(run, 1, events // 2 - 1))
    lookups = epcis.events_of_one_epc_ms(base, epc, VIEWER, min(options.samples, 100))
    return [
        Figure(
            f"EPCIS capture, documents of {events:,} events",
            statistics.median(rates),
            "events/s",
            target=2000,
            better="higher",
            detail={
                "documents": len(rates),
                "rounds": [round(r) for r in rates],
                "load_average_1m": [round(x, 1) for x in loads],
            },
        ),
        Figure(
            "EPCIS events of one EPC p50",
            statistics.median(lookups),
            "ms",
            target=20,
            detail={
                "samples": len(lookups),
                "p95_ms": round(lookups[int(len(lookups) * 0.95) - 1], 3),
            },
        ),
    ]


def _memory_figures(running: ProcessSuite) -> list[Figure]:
    found = suite.memory_of(running)
    gateway = found.pop("gateway")
    figures = [
        Figure("gateway RSS after the load", gateway.rss_mb, "MB", target=250),
        Figure("gateway peak RSS (VmHWM)", gateway.peak_mb, "MB", target=250),
    ]
    figures += [
        Figure(f"{name} RSS after the load", memory.rss_mb, "MB", detail=asdict(memory))
        for name, memory in found.items()
    ]
    return figures


def rows_per_table(pool: Pool) -> dict[str, dict[str, int]]:
    found = {}
    for service in SERVICE_NAMES:
        with pool.use(service) as connection:
            found[service] = table_rows(connection)
    return found


def run(
    options: Options,
    databases: Mapping[str, str],
    log_dir: Path,
    log: Callable[[str], None] = print,
) -> Result:
    """Measures everything against the suite started on `databases` (PostgreSQL URLs, one
    per service); the factory is generated there first if it is not complete."""
    run_id = secrets.token_hex(3).upper()
    started_at = datetime.datetime.now(datetime.UTC)
    started = time.monotonic()
    checks: dict[str, Any] = {}
    with suite.running(databases, log_dir) as running, Pool(databases) as pool:
        data = dataset.ensure(
            running.addrs,
            pool,
            options.units,
            options.seed,
            options.workers,
            log,
            SHAPES[options.shape],
        )
        rows = rows_per_table(pool)
        plan = data.plan
        lot = plan.most_used_lot
        usage = plan.usage[lot]
        url = running.url
        if options.shape == "factory":
            units = sql.trace_sample(pool, plan.finished_sku, lot, options.trace_units)
            log(f"reads: tracing {len(units)} units")
            figures = _trace_figures(url, pool, databases, units, options, checks)
        else:  # every unit holds the lot: only whereUsed and createRecall are measured
            figures = []
        log(f"reads: whereUsed of {lot[0]}/{lot[1]} ({usage:,} units)")
        figures += _where_used_figures(url, pool, usage, lot, options, checks)
        log(f"writes: run {run_id}")
        if options.shape == "factory":
            written, added = _writes(url, pool, lot, usage, options, run_id, checks)
            figures += written
            # What the writes recorded, the EPCIS follower projects next: let it finish,
            # as it would between bursts, before the latencies that follow are measured.
            dataset.epcis_caught_up(pool, log)
            figures += gs1_figures(url, options, run_id)
            figures += epcis_figures(url, options, run_id)
            recalled = (checks["recall"]["id"], checks["recall"]["graph_affected"])
            figures += audit.figures(url, options.units, units[0], recalled)
        else:
            written, added = _recall_figures(url, pool, lot, usage, run_id, checks)
            figures += written
        figures += _memory_figures(running)
        with pool.use("production") as production:
            pg_version = server_version(production)
    generated = data.generated
    return Result(
        figures,
        {
            "run": {
                "id": run_id,
                "started_at": started_at.isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - started, 1),
            },
            "machine": report.machine(pg_version),
            "dataset": {
                "units": options.units,
                "seed": options.seed,
                "shape": options.shape,
                "prefix": plan.prefix,
                "state_found": data.state_found,
                "generated_this_run": generated is not None,
                "generation_seconds": round(generated.seconds, 1) if generated else None,
                "generator_rows": generated.rows if generated else None,
                "table_rows": rows,
                "rows_per_service": {s: sum(t.values()) for s, t in rows.items()},
                "most_used_lot": {"sku": lot[0], "lot_number": lot[1], "units": usage},
            },
            "options": asdict(options),
            "figures": [f.as_json() for f in figures],
            "checks": checks,
            "this_run_added": added,
        },
    )
