"""What the benchmark does through the graph, one function per workload.

Reads run against the factory as generated. Writes touch only what the run itself
creates (units commissioned and received under fresh serials and keys carrying the
run id), except the recall, which must be on the factory's most-used lot: its hold is
released once measured, and the units traced are chosen outside its scope.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from serialtrace.bench import queries
from serialtrace.bench.answers import Key
from serialtrace.bench.stats import Latencies, Load, run_clients, time_calls
from serialtrace.testing import (
    ADMIN,
    OPERATOR,
    PLANNER,
    QUALITY,
    GraphClient,
    KeptAliveGraphClient,
)

# The benchmark's own products, bin and supplier for the write figures.
UNIT_SKU = "BENCHW-UNIT"
PART_SKU = "BENCHW-PART"
MATERIAL_SKU = "BENCHW-MAT"
BIN = "BENCHW-BIN"
SUPPLIER = "BENCHW-SUP"
GS1_SKU = "BENCHW-GS1"
GS1_GTIN = "09506000134352"  # GS1's example GTIN


class BenchError(RuntimeError):
    """The graph answered something the benchmark cannot count as done."""


def trace(graph: GraphClient, unit: Key) -> dict[str, Any]:
    """queries.TRACE for one unit; its `unit` object."""
    data = graph.data(queries.TRACE, {"sku": unit[0], "serial": unit[1]})
    found: dict[str, Any] | None = data["unit"]
    if found is None:
        raise BenchError(f"the graph does not know unit {unit[0]}/{unit[1]}")
    return found


GRPC_CALLS_METRIC = "serialtrace_gateway_grpc_client_calls_total"


def grpc_calls_of_trace(graph: GraphClient, unit: Key) -> int:
    """The gRPC calls the gateway made for one trace, read from its own call counter
    (nothing else may use the suite meanwhile)."""

    def counted() -> float:
        metrics_url = graph.url.rsplit("/", 1)[0] + "/metrics"
        with urllib.request.urlopen(metrics_url, timeout=30) as response:  # noqa: S310 - the suite under test
            lines = response.read().decode().splitlines()
        return sum(float(x.rsplit(" ", 1)[1]) for x in lines if x.startswith(GRPC_CALLS_METRIC))

    before = counted()
    trace(graph, unit)
    return round(counted() - before)


def where_used_page(graph: GraphClient, lot: Key, first: int) -> list[Key]:
    connection = graph.data(
        queries.WHERE_USED_PAGE, {"sku": lot[0], "lot": lot[1], "first": first}
    )["whereUsed"]
    return [(e["node"]["sku"], e["node"]["serial"]) for e in connection["edges"]]


def where_used_count(graph: GraphClient, lot: Key) -> int:
    data = graph.data(queries.WHERE_USED_COUNT, {"sku": lot[0], "lot": lot[1]})
    return int(data["whereUsed"]["totalCount"])


def ensure_fixtures(url: str) -> None:
    """The benchmark's products, bin and supplier (replayed by their fixed keys when they
    exist already)."""
    GraphClient(url, ADMIN).data(
        queries.FIXTURES,
        {
            "unit": UNIT_SKU,
            "part": PART_SKU,
            "material": MATERIAL_SKU,
            "bin": BIN,
            "supplier": SUPPLIER,
            "unitPattern": rf"{UNIT_SKU}-[0-9]{{8}}",
            "unitTemplate": f"{UNIT_SKU}-{{seq:08d}}",
        },
    )
    GraphClient(url, ADMIN).data(queries.FIXTURE_BOM, {"unit": UNIT_SKU, "material": MATERIAL_SKU})
    GraphClient(url, QUALITY).data(queries.FIXTURE_BOM_APPROVAL, {"unit": UNIT_SKU})


@dataclass(frozen=True)
class Timed:
    seconds: float
    units: list[Key]


def commission(url: str, count: int, run: str) -> Timed:
    """commissionUnits of `count` serials from the product's numbering sequence, one call
    (its work order is created beforehand, untimed)."""
    planner = GraphClient(url, PLANNER)
    order = planner.data(
        queries.CREATE_WORK_ORDER,
        {"sku": UNIT_SKU, "quantity": count, "bin": BIN, "key": f"bench:{run}:work-order"},
    )["createWorkOrder"]
    started = time.perf_counter()
    units = planner.data(
        queries.COMMISSION,
        {"workOrder": order["id"], "count": count, "key": f"bench:{run}:commission"},
    )["commissionUnits"]
    seconds = time.perf_counter() - started
    if len(units) != count:
        raise BenchError(f"commissionUnits of {count} returned {len(units)} units")
    return Timed(seconds, [(u["sku"], u["serial"]) for u in units])


def receive(url: str, count: int, run: str) -> Timed:
    """receiveUnits of `count` purchased serials never seen before, one call."""
    serials = [f"R{run}-{n:06d}" for n in range(1, count + 1)]
    started = time.perf_counter()
    units = GraphClient(url, OPERATOR).data(
        queries.RECEIVE,
        {
            "sku": PART_SKU,
            "serials": serials,
            "supplier": SUPPLIER,
            "bin": BIN,
            "key": f"bench:{run}:receive",
        },
    )["receiveUnits"]
    seconds = time.perf_counter() - started
    if len(units) != count:
        raise BenchError(f"receiveUnits of {count} returned {len(units)} units")
    return Timed(seconds, [(u["sku"], u["serial"]) for u in units])


def _operation(unit: Key, n: int) -> dict[str, Any]:
    return {
        "unit": {"sku": unit[0], "serial": unit[1]},
        "operation": "BENCH-SCAN",
        "station": "BENCH-ST-2",
        "result": "PASS",
        "measurements": {"reading": n % 97},
    }


def submit_scans(
    url: str,
    units: Sequence[Key],
    batches: int,
    size: int,
    clients: int,
    run: str,
    time_cap: float,
) -> Load:
    """`batches` submitScans calls of `size` recordOperation scans each, spread over
    `clients` scanners; every item must come back ok."""
    graph = GraphClient(url, OPERATOR)

    def batch(_client: int, b: int) -> None:
        scans = [
            {
                "idempotencyKey": f"bench:{run}:scan:{b}:{i}",
                "action": {"recordOperation": _operation(units[(b * size + i) % len(units)], i)},
            }
            for i in range(size)
        ]
        outcomes = graph.data(queries.SUBMIT_SCANS, {"scans": scans})["submitScans"]
        failed = [o for o in outcomes if not o["ok"]]
        if failed or len(outcomes) != size:
            raise BenchError(f"submitScans batch {b}: {len(failed)} of {size} failed: {failed[:3]}")

    return run_clients(batch, clients, batches, time_cap)


def record_operations(
    url: str, units: Sequence[Key], count: int, clients: int, run: str, time_cap: float
) -> Load:
    """`count` single recordOperation calls from `clients` clients at once."""
    graph = GraphClient(url, OPERATOR)

    def record(_client: int, n: int) -> None:
        unit = units[n % len(units)]
        graph.data(
            queries.RECORD_OPERATION,
            {"unit": {"sku": unit[0], "serial": unit[1]}, "key": f"bench:{run}:op:{n}"},
        )

    return run_clients(record, clients, count, time_cap)


@dataclass(frozen=True)
class Recall:
    id: str
    seconds: float  # the createRecall call, as the client saw it
    scope_ms: int  # scopeComputedInMs, as the quality service measured it
    affected: int
    counts: dict[str, int]


def create_recall(url: str, lot: Key, run: str) -> Recall:
    """createRecall on the lot with holdStock; then its hold is released, so the factory
    is left as it was apart from the (closed-out) recall's records."""
    graph = GraphClient(url, QUALITY)
    started = time.perf_counter()
    recall = graph.data(
        queries.CREATE_RECALL, {"sku": lot[0], "lot": lot[1], "key": f"bench:{run}:recall"}
    )["createRecall"]
    seconds = time.perf_counter() - started
    release_recall_hold(graph, recall["id"], run)
    return Recall(
        id=recall["id"],
        seconds=seconds,
        scope_ms=int(recall["scopeComputedInMs"]),
        affected=int(recall["affected"]["totalCount"]),
        counts={c["state"]: int(c["count"]) for c in recall["counts"]},
    )


def release_recall_hold(graph: GraphClient, recall_id: str, run: str) -> None:
    found = graph.data(queries.RECALL_HOLDS, {"id": recall_id})["recall"]
    holds = [
        hold
        for connection in (found["inStock"], found["inProduction"])
        for edge in connection["edges"]
        for hold in edge["node"]["unit"]["holds"]
        if hold["reason"].startswith(f"recall {recall_id}")
    ]
    for hold_id in sorted({h["id"] for h in holds}):
        graph.data(queries.RELEASE_HOLD, {"id": hold_id, "key": f"bench:{run}:release:{hold_id}"})


@dataclass(frozen=True)
class Gs1Figures:
    scan: Latencies  # scan of a 6-AI element string on a new connection each, ms each
    scan_kept_alive: Latencies  # the same on one connection kept open, ms each
    kept_alive_connections: int  # connections the kept-alive client opened (1 unless closed)
    label: Latencies  # GET /labels/unit/....png, ms each
    ais: int


def gs1_scan_and_label(url: str, run: str, samples: int, time_cap: float) -> Gs1Figures:
    """`scan` of a GS1 DataMatrix's element string with six AIs (GTIN, serial, lot,
    expiry, net weight, order number) and the PNG label of the same unit, one client.

    The scan twice, turn about (so both see the same load): once on a new TCP connection
    per request, once on one connection kept open across requests, as a scanning
    station keeps it (the target is for the latter)."""
    GraphClient(url, ADMIN).data(queries.GS1_FIXTURE, {"sku": GS1_SKU, "gtin": GS1_GTIN})
    serial = f"G{run}"
    GraphClient(url, OPERATOR).data(
        queries.RECEIVE,
        {"sku": GS1_SKU, "serials": [serial], "supplier": SUPPLIER, "bin": BIN,
         "key": f"bench:{run}:gs1-unit"},
    )  # fmt: skip
    code = f"]d201{GS1_GTIN}21{serial}\x1d10LOT-{run}\x1d172712313103001250400PO-{run}"
    graph, station = GraphClient(url, OPERATOR), KeptAliveGraphClient(url, OPERATOR)
    for client in (graph, station):
        found = client.data(queries.SCAN, {"code": code})["scan"]
        if found["unit"] != {"sku": GS1_SKU, "serial": serial} or len(found["elements"]) != 6:
            raise BenchError(f"scan of {code!r} answered {found}")
    fresh: list[float] = []
    kept: list[float] = []

    def scan_both_ways(_: int) -> None:
        for client, samples_of in ((graph, fresh), (station, kept)):
            started = time.perf_counter()
            client.data(queries.SCAN, {"code": code})
            samples_of.append((time.perf_counter() - started) * 1000)

    time_calls(scan_both_ways, samples, time_cap)
    station.close()
    label_url = url.removesuffix("/graphql") + f"/labels/unit/{GS1_SKU}/{serial}.png"

    def label(_: int) -> None:
        request = urllib.request.Request(label_url, headers={"authorization": f"Bearer {OPERATOR}"})  # noqa: S310 - the suite under test
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            if response.status != 200 or not response.read().startswith(b"\x89PNG"):
                raise BenchError(f"GET {label_url} did not answer a PNG")

    labels = time_calls(label, samples, time_cap)
    return Gs1Figures(
        scan=Latencies(tuple(fresh)),
        scan_kept_alive=Latencies(tuple(kept)),
        kept_alive_connections=station.connections,
        label=labels,
        ais=len(found["elements"]),
    )
