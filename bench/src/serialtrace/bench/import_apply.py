"""`python -m serialtrace.bench.import_apply --units 2000 --operations 6`: times
`serialtrace import apply` of a generated wave (finished units, one serialized
subassembly and one lot each, N operation records per finished unit) against real
masterdata and production servers on fresh databases (PostgreSQL when
SERIALTRACE_TEST_DATABASE_URL reaches one, as the tests do)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serialtrace.common.testing import TestDatabases, start_services, token

LOTS = 30


def write_wave(directory: Path, units: int, operations: int) -> None:
    (directory / "products.csv").write_text(
        "sku,name,kind,tracking\nFG,成品,FINISHED,SERIAL\nSUB,部件,SUBASSEMBLY,SERIAL\n"
        "MAT,物料,MATERIAL,LOT\n",
        encoding="utf-8",
    )
    (directory / "boms.csv").write_text(
        "sku,revision,component_sku,quantity\nFG,A,SUB,1\nFG,A,MAT,2\n", encoding="utf-8"
    )
    (directory / "lots.csv").write_text(
        "sku,lot_number\n" + "".join(f"MAT,L{n}\n" for n in range(LOTS)), encoding="utf-8"
    )
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
            out.write(f"FG,F{n:06d},2023-01-02,SUB,S{n:06d},,,\n")
            out.write(f"FG,F{n:06d},2023-01-02,,,MAT,L{n % LOTS},2\n")
    with (directory / "operations.csv").open("w", encoding="utf-8") as out:
        out.write("sku,serial,operation,station,operator,finished_at,result,measurements\n")
        for n in range(units):
            for k in range(operations):
                finished = f"2023-01-03T0{k % 10}:00:00Z"
                out.write(f'FG,F{n:06d},OP{k},ST{k},王伟,{finished},PASS,"{{""v"": {k}}}"\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--operations", type=int, default=6)
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
            started = time.perf_counter()
            subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "serialtrace.common.cli", "import", "apply", str(wave)],
                env=env,
                check=True,
            )
            elapsed = time.perf_counter() - started
        finally:
            running.stop()
            databases.drop_all()
    print(
        f"apply: {2 * args.units} units, {2 * args.units} installations, "
        f"{args.units * args.operations} operation records in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
