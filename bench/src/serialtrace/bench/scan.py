"""The GS1 figures alone (the full run takes them too): `scan` of a 6-AI element string
and a unit label, at the gateway of the suite on an existing benchmark factory.

The scan is timed two ways, turn about: on one HTTP connection kept open across
requests, as a scanning station keeps it (the figure the ≤ 5 ms target is for), and on a
new TCP connection per request (what a client that closes each connection pays on top).

    python -m serialtrace.bench.scan --units 1000 --seed 105 [--samples 200]
"""

from __future__ import annotations

import argparse
import json
import secrets
from collections.abc import Sequence
from pathlib import Path

from serialtrace.bench import databases, dataset, report, runner, suite, workloads


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--admin-url", default=databases.default_admin_url())
    parser.add_argument("--log-dir", type=Path, default=Path("bench/results/logs-scan"))
    args = parser.parse_args(argv)
    urls = databases.prepare(args.admin_url, databases.bench_names(args.units, args.seed), False)
    options = runner.Options(units=args.units, seed=args.seed, samples=args.samples)
    with suite.running(urls, args.log_dir) as running, databases.Pool(urls) as pool:
        # The EPCIS follower's first pass over a fresh dataset would share the cores.
        dataset.epcis_caught_up(pool, print)
        workloads.ensure_fixtures(running.url)
        measured = runner.gs1_figures(running.url, options, secrets.token_hex(3).upper())
    print(report.format_table(measured))
    print(json.dumps([f.as_json() for f in measured], indent=2))


if __name__ == "__main__":
    main()
