"""`python -m serialtrace.bench.import_check --rows 100000`: the importer's dry run over
a generated units.csv of ROWS rows with exactly three bad ones, timed, with the peak
memory of the process. Against an empty in-memory database by default; with --live,
against the services at the usual *_ADDR variables (token in SERIALTRACE_TOKEN).

`--wave N` times instead the dry run of the files `import_apply --units N` applies (the
factory-shaped wave: 2N units, 14N installations, 6N operation records), which must
report no problem."""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from serialtrace.bench.import_apply import write_wave
from serialtrace.importer.checking import Catalog, DictCatalog
from serialtrace.importer.planning import check_with


def write_export(directory: Path, rows: int, sku: str) -> None:
    """products.csv and a GB18030 units.csv whose rows 777, 50,001 and 99,999 are bad
    (pattern, duplicate, JSON)."""
    (directory / "products.csv").write_text(
        f"sku,name,kind,tracking,serial_pattern\n{sku},基准产品,FINISHED,SERIAL,BN[0-9]{{7}}\n",
        encoding="utf-8",
    )
    with (directory / "units.csv").open("w", encoding="gb18030", newline="") as out:
        out.write("sku,serial,created_at,attributes\r\n")
        for n in range(2, rows + 2):
            serial, attributes = f"BN{n:07d}", '"{""批次"": ""A""}"'
            if n == 777:
                serial = "BAD-SERIAL"
            elif n == min(50_001, rows):
                serial = "BN0000002"
            elif n == min(99_999, rows - 1):
                attributes = "{oops"
            out.write(f"{sku},{serial},2023-05-01T08:00:00+08:00,{attributes}\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--wave", type=int, default=0, help="finished units of a whole wave")
    args = parser.parse_args()
    catalog: Catalog = DictCatalog()
    services = None
    if args.live:
        from serialtrace.importer.client import GrpcCatalog, Services

        services = Services(os.environ["SERIALTRACE_TOKEN"])
        catalog = GrpcCatalog(services)
    if args.wave:
        check_wave(args.wave, catalog)
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_export(directory, args.rows, f"BENCH-{os.getpid()}")
        size = (directory / "units.csv").stat().st_size
        started = time.perf_counter()
        problems, rows = check_with(directory, catalog)
        elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"units.csv: {rows['units.csv']:,} rows, {size / 1e6:.1f} MB (GB18030)")
    print(
        f"dry run: {elapsed:.2f} s, {rows['units.csv'] / elapsed:,.0f} rows/s, "
        f"peak RSS {peak_mb:.0f} MB"
    )
    for problem in problems:
        print(f"  {problem}")
    if services is not None:
        services.close()


def check_wave(units: int, catalog: Catalog) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_wave(directory, units, 6)
        size = sum(p.stat().st_size for p in directory.iterdir())
        started, cpu = time.perf_counter(), time.process_time()
        problems, rows = check_with(directory, catalog)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(rows.values())
    print(
        f"wave of {units:,} finished units: {total:,} rows in {len(rows)} files, "
        f"{size / 1e6:.0f} MB"
    )
    print(
        f"dry run: {elapsed:.1f} s ({cpu:.1f} s CPU), {total / elapsed:,.0f} rows/s, "
        f"peak RSS {peak_mb:.0f} MB, {len(problems)} problem(s) "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    for problem in problems[:10]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
