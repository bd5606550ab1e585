"""`python -m serialtrace.bench.import_apply --units 10000`: times `serialtrace import
apply` of a generated legacy wave shaped like the benchmark's factory (each finished
unit with one serialized subassembly and 8 lot components, each subassembly with 5 lot
components of its own, 300 material lots, 6 operation records with measurements per
finished unit) against real masterdata and production servers on fresh databases
(PostgreSQL when SERIALTRACE_TEST_DATABASE_URL reaches one, as the tests do). Prints
the whole apply (dry run included), each file's time as the importer reports it, and
the importer's peak RSS."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serialtrace.common.testing import TestDatabases, start_services, token

LOTS = 300
FINISHED_LOTS, SUBASSEMBLY_LOTS = 8, 5
# The importer in a process of its own whose only child is the import, so its
# RUSAGE_CHILDREN peak is the importer's alone.
MEASURED = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(f'importer peak RSS: {used.ru_maxrss / 1024:.0f} MB, '\n"
    "      f'CPU {used.ru_utime + used.ru_stime:.1f} s', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def write_wave(directory: Path, units: int, operations: int) -> None:
    materials = [f"M{n}" for n in range(FINISHED_LOTS + SUBASSEMBLY_LOTS)]
    (directory / "products.csv").write_text(
        "sku,name,kind,tracking\nFG,成品,FINISHED,SERIAL\nSUB,部件,SUBASSEMBLY,SERIAL\n"
        + "".join(f"{m},物料{m},MATERIAL,LOT\n" for m in materials),
        encoding="utf-8",
    )
    (directory / "boms.csv").write_text(
        "sku,revision,component_sku,quantity\nFG,A,SUB,1\n"
        + "".join(f"FG,A,{m},2\n" for m in materials[:FINISHED_LOTS])
        + "".join(f"SUB,A,{m},1\n" for m in materials[FINISHED_LOTS:]),
        encoding="utf-8",
    )
    (directory / "lots.csv").write_text(
        "sku,lot_number\n"
        + "".join(f"{materials[n % len(materials)]},L{n}\n" for n in range(LOTS)),
        encoding="utf-8",
    )
    lots_of: dict[str, list[str]] = {m: [] for m in materials}
    for n in range(LOTS):
        lots_of[materials[n % len(materials)]].append(f"L{n}")
    with (directory / "units.csv").open("w", encoding="utf-8") as out:
        out.write("sku,serial,created_at\n")
        for n in range(units):
            out.write(f"FG,F{n:06d},2023-01-01\nSUB,S{n:06d},2023-01-01\n")
    with (directory / "genealogy.csv").open("w", encoding="utf-8") as out:
        out.write(
            "parent_sku,parent_serial,installed_at,component_sku,component_serial,"
            "lot_sku,lot_number,quantity\n"
        )
        for n in range(units):
            for m in materials[FINISHED_LOTS:]:
                lot = lots_of[m][n % len(lots_of[m])]
                out.write(f"SUB,S{n:06d},2023-01-02,,,{m},{lot},1\n")
            out.write(f"FG,F{n:06d},2023-01-03,SUB,S{n:06d},,,\n")
            for m in materials[:FINISHED_LOTS]:
                lot = lots_of[m][n % len(lots_of[m])]
                out.write(f"FG,F{n:06d},2023-01-03,,,{m},{lot},2\n")
    with (directory / "operations.csv").open("w", encoding="utf-8") as out:
        out.write("sku,serial,operation,station,operator,finished_at,result,measurements\n")
        for n in range(units):
            for k in range(operations):
                finished = f"2023-01-04T0{k % 10}:00:00Z"
                out.write(f'FG,F{n:06d},OP{k},ST{k},王伟,{finished},PASS,"{{""v"": {k}.5}}"\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1_000, help="finished units")
    parser.add_argument("--operations", type=int, default=6, help="records per finished unit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wave = Path(tmp) / "wave"
        wave.mkdir()
        write_wave(wave, args.units, args.operations)
        databases = TestDatabases(Path(tmp))
        running = start_services(databases, ["masterdata", "production"])
        try:
            env = {
                **os.environ,
                "SERIALTRACE_TOKEN": token("bench", "admin"),
                **{f"{n.upper()}_ADDR": a for n, a in running.addrs.items()},
            }
            command = [sys.executable, "-m", "serialtrace.common.cli", "import", "apply"]
            started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-c", MEASURED, *command, str(wave)], env=env, check=True
            )
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
        finally:
            running.stop()
            databases.drop_all()
    installs = args.units * (1 + FINISHED_LOTS + SUBASSEMBLY_LOTS)
    print(
        f"apply: {2 * args.units} units, {installs} installations, "
        f"{args.units * args.operations} operation records in {elapsed:.1f} s "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    # The servers run in this process: its CPU is theirs (PostgreSQL's is not counted).
    served = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"masterdata + production CPU: {served:.1f} s")


if __name__ == "__main__":
    main()
