"""The trace figures alone (the full run takes them too), with the CPU each process
spends on one trace: the suite on an existing benchmark factory, one client.

    python -m serialtrace.bench.trace --units 1000 --seed 105 [--samples 200]

Beside the p50/p99 and their SQL floor it prints, read from /proc around the one-client
loop, the CPU milliseconds per trace of the gateway and of each service, the fields of
one answer and the gateway's CPU per field: figures that hold when the machine is busy,
where wall times do not.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from serialtrace.bench import databases, dataset, report, runner, sql, suite, workloads
from serialtrace.bench.report import Figure
from serialtrace.bench.stats import run_clients, time_calls
from serialtrace.testing import AUDITOR, GraphClient

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (/proc/<pid>/stat)."""
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS


def fields_in(value: Any) -> int:
    """The fields of a GraphQL answer: every key of every object, at any depth."""
    if isinstance(value, dict):
        return len(value) + sum(fields_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(fields_in(v) for v in value)
    return 0


def cpu_figures(
    pids: Mapping[str, int], graph: GraphClient, units: Sequence[Any], samples: int, cap: float
) -> tuple[list[Figure], Any]:
    """The one-client loop, with each process's CPU per trace around it."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    latencies = time_calls(lambda i: workloads.trace(graph, units[i % len(units)]), samples, cap)
    spent = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    per_trace = {name: 1000 * seconds / latencies.count for name, seconds in spent.items()}
    fields = fields_in(workloads.trace(graph, units[0]))
    figures = [Figure(f"CPU of one trace: {name}", ms, "ms") for name, ms in per_trace.items()]
    figures.append(Figure("CPU of one trace: all processes", sum(per_trace.values()), "ms"))
    figures.append(Figure("fields in one trace's answer", fields, "fields"))
    figures.append(Figure("gateway CPU per field", 1000 * per_trace["gateway"] / fields, "µs"))
    return figures, latencies


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--trace-units", type=int, default=50)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--traces", type=int, default=800, help="traces at --clients clients")
    parser.add_argument("--time-cap", type=float, default=60.0)
    parser.add_argument("--admin-url", default=databases.default_admin_url())
    parser.add_argument("--log-dir", type=Path, default=Path("bench/results/logs-trace"))
    args = parser.parse_args(argv)
    urls = databases.prepare(args.admin_url, databases.bench_names(args.units, args.seed), False)
    with suite.running(urls, args.log_dir) as running, databases.Pool(urls) as pool:
        plan = dataset.ensure(running.addrs, pool, args.units, args.seed, 8, print).plan
        units = sql.trace_sample(pool, plan.finished_sku, plan.most_used_lot, args.trace_units)
        graph = GraphClient(running.url, AUDITOR)
        runner._check_traces(graph, pool, units)  # the same answer, and both paths warm
        calls = workloads.grpc_calls_of_trace(graph, units[0])
        pids = {name: process.pid for name, process in running.processes.items()}
        measured, graph_one = cpu_figures(pids, graph, units, args.samples, args.time_cap)
        sql_one = time_calls(
            lambda i: sql.trace(pool, units[i % len(units)]), args.samples, args.time_cap
        )
        graph_many = run_clients(
            lambda _c, i: workloads.trace(graph, units[i % len(units)]),
            args.clients,
            args.traces,
            args.time_cap,
        )
    with databases.Pool(urls, args.clients) as shared:
        sql_many = run_clients(
            lambda _c, i: sql.trace(shared, units[i % len(units)]),
            args.clients,
            args.traces,
            args.time_cap,
        )
    measured = [
        *runner.trace_figures(graph_one, sql_one, graph_many, sql_many, calls, args.clients),
        *measured,
    ]
    print(f"load average: {os.getloadavg()}")
    print(report.format_table(measured))
    print(json.dumps([f.as_json() for f in measured], indent=2))


if __name__ == "__main__":
    main()
