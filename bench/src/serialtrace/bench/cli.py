"""`python -m serialtrace.bench [flags]` measures; `python -m serialtrace.bench generate`
only builds the dataset. Both keep the data in PostgreSQL databases named after the
size and seed, so the next run reuses it."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from serialtrace.bench import databases, dataset, report, runner, suite
from serialtrace.bench.factory import SHAPES
from serialtrace.bench.runner import Options

DEFAULT_OUT = Path("bench/results/latest.json")


def _say(line: str) -> None:
    print(line, flush=True)


def _common(parser: argparse.ArgumentParser) -> None:
    defaults = Options()
    parser.add_argument("--units", type=int, default=defaults.units, help="finished units")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default=defaults.shape,
        help="the dataset: the full factory, or 'recall' (one lot in every unit, one "
        "operation a unit: whereUsed and createRecall at 30,000 units in minutes of "
        "generation; a run then measures only those)",
    )
    parser.add_argument(
        "--admin-url",
        default=databases.default_admin_url(),
        help="PostgreSQL URL with the right to create databases "
        "(default: $SERIALTRACE_TEST_DATABASE_URL or the local server)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop this size's databases and regenerate"
    )
    parser.add_argument("--workers", type=int, default=defaults.workers, help="generator threads")
    parser.add_argument(
        "--log-dir", type=Path, help=f"the services' logs (default: {DEFAULT_OUT.parent}/logs)"
    )


def parse(argv: Sequence[str]) -> tuple[str, argparse.Namespace]:
    if argv[:1] == ["generate"]:
        parser = argparse.ArgumentParser(
            prog="python -m serialtrace.bench generate",
            description="Builds the benchmark's factory dataset (deterministic from the seed) "
            "if absent; reports generation time and rows per service.",
        )
        _common(parser)
        return "generate", parser.parse_args(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m serialtrace.bench",
        description="The performance figures through the graph, each read beside its direct-SQL "
        "floor; prints a table and writes --out. `generate` only builds the dataset.",
    )
    _common(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results file")
    defaults = Options()
    for flag, kind, help_text in (
        ("clients", int, "concurrent clients for traces/s, submitScans and recordOperation"),
        ("samples", int, "one-client trace samples"),
        ("traces", int, "traces at --clients clients"),
        ("trace-units", int, "distinct units traced in turn"),
        ("where-used-samples", int, "samples of each whereUsed query"),
        ("serials", int, "commissionUnits and receiveUnits size"),
        ("scan-batches", int, "submitScans calls"),
        ("scan-size", int, "operation records in each submitScans call"),
        ("operations", int, "single recordOperation calls"),
        ("epcis-documents", int, "EPCIS capture documents of 1,000 events"),
        ("time-cap", float, "seconds each load loop may run at most"),
    ):
        name = flag.replace("-", "_")
        default = getattr(defaults, name)
        parser.add_argument(
            f"--{flag}", type=kind, default=default, help=f"{help_text} (default {default})"
        )
    return "run", parser.parse_args(argv)


def _options(args: argparse.Namespace) -> Options:
    return Options(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Options)})


def _targets(args: argparse.Namespace) -> dict[str, str]:
    names = databases.bench_names(args.units, args.seed, args.shape)
    _say(f"databases: {', '.join(names.values())}{' (fresh)' if args.fresh else ''}")
    try:
        return databases.prepare(args.admin_url, names, args.fresh)
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"the benchmark needs PostgreSQL, and {databases.libpq(args.admin_url)} answered: "
            f"{str(error).strip()}\nStart it, or point --admin-url (or "
            "SERIALTRACE_TEST_DATABASE_URL) at a server where you may create databases."
        ) from None


def generate(args: argparse.Namespace) -> None:
    urls = _targets(args)
    with (
        suite.running(urls, args.log_dir or DEFAULT_OUT.parent / "logs") as running,
        databases.Pool(urls) as pool,
    ):
        data = dataset.ensure(
            running.addrs, pool, args.units, args.seed, args.workers, _say, SHAPES[args.shape]
        )
        rows = runner.rows_per_table(pool)
    if data.generated:
        _say(f"generated {args.units:,} units in {data.generated.seconds:.1f}s")
    else:
        _say("the dataset was complete already: nothing generated")
    _say(_rows_table(rows))


def _rows_table(rows: dict[str, dict[str, int]]) -> str:
    lines = ["rows per service:"]
    for service, tables in rows.items():
        shown = ", ".join(f"{table} {count:,}" for table, count in tables.items() if count)
        lines.append(f"  {service:<10} {sum(tables.values()):>12,}  ({shown})")
    return "\n".join(lines)


def measure(options: Options, urls: dict[str, str], out: Path, log_dir: Path) -> runner.Result:
    """Runs the benchmark on these databases, writes `out` and prints the table."""
    result = runner.run(options, urls, log_dir, _say)
    report.write_json(out, result.json)
    _say("")
    _say(_heading(result.json))
    _say(report.format_table(result.figures))
    _say(f"\nwritten to {out}")
    return result


def _heading(json: dict[str, Any]) -> str:
    m, d = json["machine"], json["dataset"]
    generated = (
        f"generated in {d['generation_seconds']}s"
        if d["generated_this_run"]
        else "reused from an earlier run"
    )
    lot = d["most_used_lot"]
    return (
        f"{m['cpus']} CPUs ({m['cpu_model']}), {m['postgresql'].split(',')[0]}, "
        f"Python {m['python']}\n"
        f"{d['shape']} of {d['units']:,} units, seed {d['seed']} ({generated}); most-used lot "
        f"{lot['sku']}/{lot['lot_number']} in {lot['units']:,} units\n"
    )


def main(argv: Sequence[str] | None = None) -> None:
    command, args = parse(sys.argv[1:] if argv is None else argv)
    if command == "generate":
        generate(args)
    else:
        measure(_options(args), _targets(args), args.out, args.log_dir or args.out.parent / "logs")
