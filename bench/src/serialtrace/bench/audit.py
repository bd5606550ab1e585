"""Audit figures at the gateway: an evidence package of a unit and of a recall (built,
downloaded and its SHA-256 checked, as `serialtrace evidence` does), and the
`governance` indicators, first computed and then as the cache serves them.

Part of every full run (`python -m serialtrace.bench`), and alone on a factory that was
generated before, which is how the 10,000-unit figure is taken without the write load:

    python -m serialtrace.bench.audit --units 10000 --seed 105 [--samples 5] [--recall]
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from serialtrace.bench import databases, dataset, report, sql, suite, workloads
from serialtrace.bench.answers import Key
from serialtrace.bench.report import Figure
from serialtrace.bench.stats import Latencies, time_calls
from serialtrace.common import evidence
from serialtrace.common.evidence_cli import KPI_QUERY, QUERY
from serialtrace.testing import AUDITOR, GraphClient

GOVERNANCE_REFRESH = KPI_QUERY.replace("{ governance {", "{ governance(refresh: true) {", 1)
UNIT_PACKAGE_TARGET_S = 2.0  # at the 1,000-unit factory
RECALL_PACKAGE_TARGET_S = 20.0  # a recall of the 1,000-unit factory's most-used lot (676 units)


def governance_target(units: int) -> float | None:
    """≤ 2 s at 1,000 units and ≤ 10 s at 10,000; no target is set beyond that."""
    if units <= 1000:
        return 2.0
    return 10.0 if units <= 10_000 else None


def package(url: str, variables: dict[str, Any]) -> int:
    """Builds one package through the graph and downloads it; its size in bytes."""
    built = GraphClient(url, AUDITOR).data(QUERY, variables)["evidencePackage"]
    download = url.removesuffix("/graphql") + built["downloadUrl"]
    request = urllib.request.Request(download, headers={"authorization": f"Bearer {AUDITOR}"})  # noqa: S310 - the suite under test
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        data = response.read()
    if evidence.sha256(data) != built["sha256"]:
        raise workloads.BenchError(
            f"the evidence package {built['fileName']} does not match its SHA-256"
        )
    return len(data)


def _seconds(latencies: Latencies) -> float:
    return latencies.p(50) / 1000


def _package_figure(
    name: str, url: str, variables: dict[str, Any], samples: int, cap: float, target: float | None
) -> Figure:
    sizes: list[int] = []
    timed = time_calls(lambda _: sizes.append(package(url, variables)), samples, cap)
    return Figure(
        name,
        _seconds(timed),
        "s",
        target=target,
        detail={"samples": timed.count, "max_s": max(timed.samples) / 1000, "bytes": sizes[-1]},
    )


def figures(
    url: str,
    units: int,
    unit: Key,
    recall: tuple[str, int] | None,
    samples: int = 3,
    time_cap: float = 120.0,
) -> list[Figure]:
    """The audit figures of a factory of `units` units: a package of `unit`, of
    `recall` (id, affected units) when there is one, and `governance`."""
    graph = GraphClient(url, AUDITOR)
    cold_started = time.perf_counter()
    first = graph.data(GOVERNANCE_REFRESH)["governance"]
    cold = time.perf_counter() - cold_started
    if first["units"] < units:
        raise workloads.BenchError(
            f"governance counted {first['units']} units, the factory has {units}"
        )
    computed = time_calls(lambda _: graph.data(GOVERNANCE_REFRESH), samples, time_cap)
    served = time_calls(lambda _: graph.data(KPI_QUERY), samples, time_cap)
    checks = {c["name"]: c["offenderCount"] for c in first["consistency"]}
    found = [
        Figure(
            f"governance, computed ({units:,} units), p50",
            _seconds(computed),
            "s",
            # By the size the factory has become: it holds two serialized units per
            # finished unit (the unit and its subassembly), and every run's write
            # figures add about 10,000 more to the reused databases.
            target=governance_target(max(units, first["units"] // 2)),
            detail={
                "first_s": round(cold, 3),
                "samples": computed.count,
                "units": first["units"],
                "completeness": first["completeness"],
                "offenders": checks,
            },
        ),
        Figure(
            "governance, from the cache, p50",
            served.p(50),
            "ms",
            detail={"samples": served.count},
        ),
        _package_figure(
            "evidence package of a unit",
            url,
            {"unit": {"sku": unit[0], "serial": unit[1]}},
            samples,
            time_cap,
            UNIT_PACKAGE_TARGET_S if units <= 1000 else None,
        ),
    ]
    if recall is not None:
        recall_id, affected = recall
        found.append(
            _package_figure(
                f"evidence package of a recall of {affected:,} units",
                url,
                {"recallId": recall_id},
                max(1, samples // 3),
                time_cap,
                RECALL_PACKAGE_TARGET_S if affected <= 1000 else None,
            )
        )
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument(
        "--recall",
        action="store_true",
        help="also recall the most-used lot (as every full run does) and package the recall",
    )
    parser.add_argument("--admin-url", default=databases.default_admin_url())
    parser.add_argument("--log-dir", type=Path, default=Path("bench/results/logs-audit"))
    args = parser.parse_args(argv)
    urls = databases.prepare(args.admin_url, databases.bench_names(args.units, args.seed), False)
    with suite.running(urls, args.log_dir) as running, databases.Pool(urls) as pool:
        data = dataset.ensure(running.addrs, pool, args.units, args.seed, 8, print)
        plan = data.plan
        unit = sql.trace_sample(pool, plan.finished_sku, plan.most_used_lot, 1)[0]
        recall = None
        if args.recall:
            made = workloads.create_recall(
                running.url, plan.most_used_lot, secrets.token_hex(3).upper()
            )
            recall = (made.id, made.affected)
        measured = figures(running.url, args.units, unit, recall, args.samples)
    print(report.format_table(measured))
    print(json.dumps([f.as_json() for f in measured], indent=2))


if __name__ == "__main__":
    main()
