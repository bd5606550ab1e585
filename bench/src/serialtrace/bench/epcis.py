"""EPCIS figures: `python -m serialtrace.bench.epcis [--events 1000] [--rounds 3]`.

1. Schema validation of one 1,000-event document: jsonschema (Draft 7 with the uri and
   date-time format checkers) against fastjsonschema, same schema, same document.
2. Capture through the gateway: `POST /epcis/capture` of a 1,000-event document until
   its job reports finished (HTTP + schema + hashing + storing + audit), events/s.
3. The events of one EPC: `GET /epcis/epcs/{epc}/events` with every round's events
   stored, median and p95 of bounded repeated requests.

It starts a real suite (the services on fresh databases, PostgreSQL when
SERIALTRACE_TEST_DATABASE_URL is set, else SQLite) on 127.0.0.1 and stops it after.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft7Validator, FormatChecker

from serialtrace.common.testing import TestDatabases, describe_backend, token
from serialtrace.epcis.testing import document, sgtin
from serialtrace.epcis.validation import _fast, _schema
from serialtrace.testing import start_suite

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def realistic_document(events: int, round_number: int) -> dict[str, Any]:
    """Shipping, arriving and departing events as a WMS sends them (1-3 EPCs each):
    events with no effect in the suite (no destination party, no place of receipt), so
    the figure is the repository's own."""
    made = []
    for n in range(events):
        epcs = [sgtin(f"B{round_number}x{n}x{k}") for k in range(1 + n % 3)]
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


def run(events: int, rounds: int, lookups: int) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": describe_backend(), "events": events}
    result["validation"] = measure_validators(events)
    operator, viewer = token("bench", "operator"), token("bench", "viewer")
    with tempfile.TemporaryDirectory() as tmp:
        databases = TestDatabases(Path(tmp))
        suite = start_suite(databases)
        base = suite.gateway.url.removesuffix("/graphql")
        try:
            rates = []
            for n in range(1, rounds + 1):
                body = json.dumps(realistic_document(events, n)).encode()
                started = time.perf_counter()
                status, headers, _ = _request("POST", f"{base}/epcis/capture", body, operator)
                assert status == 202
                while True:
                    _, _, raw = _request("GET", base + headers["Location"], None, viewer)
                    job = json.loads(raw)
                    if not job["running"]:
                        break
                    time.sleep(0.005)
                elapsed = time.perf_counter() - started
                assert job["success"] and job["capturedCount"] == events, job
                rates.append(events / elapsed)
            result["capture_events_per_s"] = {
                "median": statistics.median(rates),
                "min": min(rates),
                "rounds": [round(r) for r in rates],
            }
            epc = quote(sgtin(f"B1x{events // 2 - 1}x0"), safe="")
            times = []
            for _ in range(lookups):
                started = time.perf_counter()
                _, _, raw = _request("GET", f"{base}/epcis/epcs/{epc}/events", None, viewer)
                times.append((time.perf_counter() - started) * 1000)
                assert json.loads(raw)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            times.sort()
            result["events_of_one_epc_ms"] = {
                "median": statistics.median(times),
                "p95": times[int(len(times) * 0.95) - 1],
                "stored_events": events * rounds,
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
