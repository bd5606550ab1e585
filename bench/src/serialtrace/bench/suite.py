"""The suite under test: the five real processes on free 127.0.0.1 ports, on the
benchmark's databases, and what each one holds in memory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from serialtrace.testing import ProcessSuite


@contextmanager
def running(databases: Mapping[str, str], log_dir: Path) -> Iterator[ProcessSuite]:
    """Starts masterdata, production, warehouse, quality and the gateway (their logs in
    `log_dir`, emptied first) and stops them all at the end."""
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    suite = ProcessSuite(log_dir, databases)
    try:
        suite.start()
        yield suite
    finally:
        suite.stop()


@dataclass(frozen=True)
class Memory:
    rss_mb: float  # resident now (VmRSS)
    peak_mb: float  # the most it was resident at any time (VmHWM)


def memory(pid: int) -> Memory:
    """A process's resident memory, from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return Memory(rss_mb=fields["VmRSS"], peak_mb=fields["VmHWM"])


def memory_of(suite: ProcessSuite) -> dict[str, Memory]:
    return {name: memory(process.pid) for name, process in suite.processes.items()}
