"""CPU per call, per process, of the per-call figures: the scan and the write figures,
at the gateway of the suite on an existing benchmark factory.

    python -m serialtrace.bench.percall --units 1000 --seed 105 [--calls 300]

Around each workload it reads the CPU time (utime + stime, /proc/<pid>/stat) of the five
processes and of the PostgreSQL backends connected to the four databases, and prints one
JSON line per workload: the rate, the p50 of one-client calls, and the milliseconds of
CPU each process spent per call (per record for submitScans; seconds in all for one
commissionUnits or receiveUnits). On a shared machine these travel better than wall
times: another job's load stretches a call's wall time, much less its CPU. CPU that a
process spends on its own (a service's background threads) is counted in too: compare
runs, not processes, one workload at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from serialtrace.bench import databases, queries, suite, workloads
from serialtrace.bench.answers import Key
from serialtrace.bench.stats import Load, percentile
from serialtrace.testing import ADMIN, OPERATOR, GraphClient, KeptAliveGraphClient, ProcessSuite

WORKLOADS = (
    "typename",
    "scan",
    "scan-kept-alive",
    "operation",
    "operations16",
    "scans",
    "commission",
    "receive",
)
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0  # a backend that ended: its CPU is lost to the count
    return (int(fields[11]) + int(fields[12])) / _TICKS


class CpuMeter:
    """CPU seconds of the suite's processes and of the databases' backends."""

    def __init__(self, running: ProcessSuite, admin_url: str, names: Sequence[str]) -> None:
        self.running, self.admin_url, self.names = running, admin_url, list(names)

    def _backends(self) -> list[int]:
        with psycopg.connect(databases.libpq(self.admin_url), autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", (self.names,)
            ).fetchall()
        return [int(pid) for (pid,) in rows]

    def read(self) -> tuple[dict[str, float], dict[int, float]]:
        processes = {n: _cpu_seconds(p.pid) for n, p in self.running.processes.items()}
        return processes, {pid: _cpu_seconds(pid) for pid in self._backends()}

    def spent(
        self, before: tuple[dict[str, float], dict[int, float]], work: Callable[[], Any]
    ) -> dict[str, float]:
        """CPU seconds each process spent while `work` ran (PostgreSQL's backends summed)."""
        work()
        after = self.read()
        spent = {name: after[0][name] - before[0][name] for name in after[0]}
        spent["postgres"] = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
        return spent


def _per_item(spent: dict[str, float], items: int) -> dict[str, float]:
    per = {name: round(cpu * 1000 / items, 3) for name, cpu in spent.items()}
    per["total"] = round(sum(spent.values()) * 1000 / items, 3)
    return per


def _sequential(call: Callable[[int], object], count: int) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(url: str, meter: CpuMeter, only: Sequence[str], calls: int, run: str) -> list[Any]:
    """Each workload of `only` in turn; one result dict each (also printed)."""
    results: list[dict[str, Any]] = []

    def report(name: str, result: dict[str, Any]) -> None:
        result = {"name": name, **result, "load_average": round(os.getloadavg()[0], 1)}
        print(json.dumps(result), flush=True)
        results.append(result)

    def one_client(name: str, call: Callable[[int], object]) -> None:
        samples: list[float] = []
        started = time.perf_counter()
        spent = meter.spent(meter.read(), lambda: samples.extend(_sequential(call, calls)))
        wall = time.perf_counter() - started
        report(
            name,
            {
                "calls": calls,
                "per_s": round(calls / wall, 1),
                "p50_ms": round(percentile(samples, 50), 2),
                "cpu_ms_per_call": _per_item(spent, calls),
            },
        )

    def loaded(name: str, load: Callable[[], Load], items_per_call: int) -> None:
        done: list[Load] = []
        spent = meter.spent(meter.read(), lambda: done.append(load()))
        items = done[0].done * items_per_call
        per = {"per_s": round(done[0].rate(items_per_call), 1)}
        report(name, {"items": items, **per, "cpu_ms_per_item": _per_item(spent, items)})

    graph = GraphClient(url, OPERATOR)
    if "typename" in only:
        one_client("{ __typename }", lambda _: graph.data("{ __typename }"))
    if {"scan", "scan-kept-alive"} & set(only):
        code = _gs1_unit(url, run)
    if "scan" in only:
        one_client(
            "scan of a 6-AI element string, a new connection per request",
            lambda _: graph.data(queries.SCAN, {"code": code}),
        )
    if "scan-kept-alive" in only:
        station = KeptAliveGraphClient(url, OPERATOR)
        station.data("{ __typename }")  # the connection opened before the count starts
        one_client(
            "scan of a 6-AI element string, connection kept alive",
            lambda _: station.data(queries.SCAN, {"code": code}),
        )
        station.close()
    units: list[Key] = []
    if {"operation", "operations16", "scans"} & set(only):
        units = workloads.commission(url, 400, f"{run}-units").units
    if "operation" in only:

        def record(n: int) -> None:
            unit = {"sku": units[n % len(units)][0], "serial": units[n % len(units)][1]}
            graph.data(queries.RECORD_OPERATION, {"unit": unit, "key": f"cpu:{run}:op:{n}"})

        one_client("recordOperation, 1 client", record)
    if "operations16" in only:
        loaded(
            "recordOperation, 16 clients",
            lambda: workloads.record_operations(url, units, 800, 16, f"{run}-16", 120),
            1,
        )
    if "scans" in only:
        loaded(
            "submitScans, 100 records a batch, 16 clients",
            lambda: workloads.submit_scans(url, units, 16, 100, 16, run, 120),
            100,
        )
    writes: dict[str, Callable[[str, int, str], workloads.Timed]] = {
        "commission": workloads.commission,
        "receive": workloads.receive,
    }
    for name in (n for n in writes if n in only):
        seconds, spent = _one_call(meter, partial(writes[name], url, 5000, run + name))
        cpu = {k: round(v, 3) for k, v in spent.items()}
        report(
            f"{name}Units of 5,000",
            {"seconds": seconds, "cpu_s": cpu, "cpu_s_total": round(sum(spent.values()), 3)},
        )
    return results


def _one_call(
    meter: CpuMeter, call: Callable[[], workloads.Timed]
) -> tuple[float, dict[str, float]]:
    """One big write: the seconds the client waited, and each process's CPU seconds."""
    timed: list[workloads.Timed] = []
    spent = meter.spent(meter.read(), lambda: timed.append(call()))
    return round(timed[0].seconds, 3), spent


def _gs1_unit(url: str, run: str) -> str:
    """The bench's labelled part received under a fresh serial; the 6-AI code of it."""
    GraphClient(url, ADMIN).data(
        queries.GS1_FIXTURE, {"sku": workloads.GS1_SKU, "gtin": workloads.GS1_GTIN}
    )
    serial = f"C{run}"
    GraphClient(url, OPERATOR).data(
        queries.RECEIVE,
        {"sku": workloads.GS1_SKU, "serials": [serial], "supplier": workloads.SUPPLIER,
         "bin": workloads.BIN, "key": f"bench:{run}:cpu-gs1-unit"},
    )  # fmt: skip
    gtin = workloads.GS1_GTIN
    return f"]d201{gtin}21{serial}\x1d10LOT-{run}\x1d172712313103001250400PO-{run}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300, help="one-client calls per workload")
    parser.add_argument("--only", default=",".join(WORKLOADS), help=",".join(WORKLOADS))
    parser.add_argument("--admin-url", default=databases.default_admin_url())
    parser.add_argument("--log-dir", type=Path, default=Path("bench/results/logs-percall"))
    args = parser.parse_args(argv)
    only = args.only.split(",")
    if unknown := set(only) - set(WORKLOADS):
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {', '.join(WORKLOADS)}")
    names = databases.bench_names(args.units, args.seed)
    urls = databases.prepare(args.admin_url, names, False)
    with suite.running(urls, args.log_dir) as running:
        workloads.ensure_fixtures(running.url)
        meter = CpuMeter(running, args.admin_url, list(names.values()))
        for _ in range(20):  # the first calls open connections and fill caches
            GraphClient(running.url, OPERATOR).data("{ __typename }")
        measure(running.url, meter, only, args.calls, secrets.token_hex(3).upper())


if __name__ == "__main__":
    main()
