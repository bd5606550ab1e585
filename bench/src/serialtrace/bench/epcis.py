"""EPCIS figures: `python -m serialtrace.bench.epcis [--events 1000] [--rounds 3]`.

1. Schema validation of one 1,000-event document: jsonschema (Draft 7 with the uri and
   date-time format checkers) against fastjsonschema, same schema, same document.
2. Capture through the gateway: `POST /epcis/capture` of a 1,000-event document until
   its job finished (HTTP + schema + hashing + storing + audit), events/s, from the
   request to the job's `finishedAt` (the client polls every 50 ms: faster polling
   would take CPU from the job it measures). Beside it, the CPU each process spent per
   document (/proc/<pid>/stat), PostgreSQL's backends included: the figure that
   travels to another machine, where the wall clock depends on the load.
3. The events of one EPC: `GET /epcis/epcs/{epc}/events` with every round's events
   stored, median and p95 of bounded repeated requests.

It starts the suite as it is deployed, every service and the gateway a process of its
own (on fresh databases, PostgreSQL when SERIALTRACE_TEST_DATABASE_URL is set, else
SQLite) on 127.0.0.1, and stops it after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from jsonschema import Draft7Validator, FormatChecker

from serialtrace.common.testing import TestDatabases, describe_backend, token
from serialtrace.epcis.testing import document, sgtin
from serialtrace.epcis.validation import _fast, _schema
from serialtrace.testing import SUITE_SERVICES, ProcessSuite

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def realistic_document(events: int, round_number: int, run: str = "") -> dict[str, Any]:
    """Shipping, arriving and departing events as a WMS sends them (1-3 EPCs each):
    events with no effect in the suite (no destination party, no place of receipt), so
    the figure is the repository's own. `run` makes the serials new in a repository
    that an earlier run filled (an event captured again is stored once)."""
    made = []
    for n in range(events):
        epcs = [sgtin(epc_serial(run, round_number, n, k)) for k in range(1 + n % 3)]
        made.append(
            {
                "type": "ObjectEvent",
                "eventTime": f"2024-05-01T10:{n // 60 % 60:02d}:{n % 60:02d}.000+02:00",
                "eventTimeZoneOffset": "+02:00",
                "epcList": epcs,
                "action": "OBSERVE",
                "bizStep": ("shipping", "arriving", "departing")[n % 3],
                "disposition": ("in_transit", "in_progress", "in_transit")[n % 3],
                "readPoint": {"id": f"urn:epc:id:sgln:4012345.00001.{n % 20}"},
                "bizLocation": {"id": "urn:epc:id:sgln:4012345.00001.0"},
                "bizTransactionList": [
                    {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:4012345000009:{n}"}
                ],
            }
        )
    return document(*made)


def _median_seconds(work: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_validators(events: int) -> dict[str, float]:
    doc = realistic_document(events, 0)
    reference = Draft7Validator(_schema(), format_checker=FormatChecker(["uri", "date-time"]))
    compiled = _fast()
    assert reference.is_valid(doc)
    compiled(doc)
    return {
        "jsonschema_s": _median_seconds(lambda: reference.validate(doc), 3),
        "fastjsonschema_s": _median_seconds(lambda: compiled(doc), 5),
    }


def _request(method: str, url: str, body: bytes | None, bearer: str) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - 127.0.0.1
    request.add_header("authorization", f"Bearer {bearer}")
    if body is not None:
        request.add_header("content-type", "application/ld+json")
    with urllib.request.urlopen(request, timeout=120) as reply:  # noqa: S310
        return reply.status, reply.headers, reply.read()


def epc_serial(run: str, round_number: int, n: int, k: int = 0) -> str:
    """The serial of the k-th EPC of event n of a round's document."""
    return f"{run}B{round_number}x{n}x{k}"


def capture(base: str, document_body: bytes, operator: str, viewer: str) -> dict[str, Any]:
    """`POST /epcis/capture` of one document, then its job polled every 50 ms until it
    finished; the finished job, which must have captured every event."""
    status, headers, _ = _request("POST", f"{base}/epcis/capture", document_body, operator)
    assert status == 202, status
    while True:
        time.sleep(0.05)
        _, _, raw = _request("GET", base + headers["Location"], None, viewer)
        job: dict[str, Any] = json.loads(raw)
        if not job["running"]:
            return job


def events_of_one_epc_ms(base: str, epc: str, viewer: str, lookups: int) -> list[float]:
    """`GET /epcis/epcs/{epc}/events`, `lookups` times: each answer's milliseconds, sorted."""
    url = f"{base}/epcis/epcs/{quote(epc, safe='')}/events"
    times = []
    for _ in range(lookups):
        started = time.perf_counter()
        _, _, raw = _request("GET", url, None, viewer)
        times.append((time.perf_counter() - started) * 1000)
        assert json.loads(raw)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return sorted(times)


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 for one that has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


class CpuMeter:
    """CPU seconds of the suite's processes and of the PostgreSQL backends serving its
    databases, read before and after each document."""

    def __init__(self, suite: ProcessSuite, databases: TestDatabases) -> None:
        self.suite, self.databases = suite, databases

    def _backends(self) -> list[int]:
        if not self.databases.created:  # SQLite: no server processes
            return []
        admin = (self.databases.admin_url or "").replace("postgresql+psycopg:", "postgresql:")
        with psycopg.connect(admin, autocommit=True) as db:
            rows = db.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)",
                (self.databases.created,),
            )
            return [row[0] for row in rows]

    def read(self) -> dict[str, float]:
        spent = {name: _cpu_seconds(p.pid) for name, p in self.suite.processes.items()}
        spent["postgresql"] = sum(_cpu_seconds(pid) for pid in self._backends())
        return spent


def finished_at(job: dict[str, Any]) -> float:
    return datetime.fromisoformat(job["finishedAt"].replace("Z", "+00:00")).timestamp()


def run(events: int, rounds: int, lookups: int) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": describe_backend(), "events": events}
    result["validation"] = measure_validators(events)
    operator, viewer = token("bench", "operator"), token("bench", "viewer")
    with tempfile.TemporaryDirectory() as tmp:
        databases = TestDatabases(Path(tmp))
        urls = {name: databases.create(name) for name in SUITE_SERVICES}
        suite = ProcessSuite(Path(tmp), urls)
        suite.start()
        meter = CpuMeter(suite, databases)
        base = suite.url.removesuffix("/graphql")
        try:
            rates, spent, loads = [], [], []
            for n in range(rounds + 1):  # round 0 warms the processes up and is left out
                body = json.dumps(realistic_document(events, n)).encode()
                before = meter.read()
                started = time.time()
                job = capture(base, body, operator, viewer)
                after = meter.read()
                assert job["success"] and job["capturedCount"] == events, job
                if n == 0:
                    continue
                rates.append(events / (finished_at(job) - started))
                spent.append({k: after[k] - before.get(k, 0.0) for k in after})
                loads.append(os.getloadavg()[0])
            result["capture_events_per_s"] = {
                "median": statistics.median(rates),
                "min": min(rates),
                "max": max(rates),
                "rounds": [round(r) for r in rates],
                "load_average_1m": [round(x, 1) for x in loads],
            }
            cpu = {k: round(statistics.median(s[k] for s in spent), 3) for k in spent[0]}
            result["cpu_s_per_document"] = {k: v for k, v in cpu.items() if v >= 0.005}
            result["cpu_s_per_document"]["all"] = round(sum(cpu.values()), 3)
            epc = sgtin(epc_serial("", 1, events // 2 - 1))
            times = events_of_one_epc_ms(base, epc, viewer, lookups)
            result["events_of_one_epc_ms"] = {
                "median": statistics.median(times),
                "p95": times[int(len(times) * 0.95) - 1],
                "stored_events": events * (rounds + 1),
            }
        finally:
            suite.stop()
            databases.drop_all()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(run(args.events, args.rounds, args.lookups), indent=2))


if __name__ == "__main__":
    main()
