"""The demo factory `make run` loads through the graph into empty databases.

A few products with BOMs, resin and screw lots from two suppliers, a few hundred
widgets built two levels deep (board subassembly inside), tested, completed into the
finished-goods bin (completion is the goods receipt), packed ten to a
carton and four cartons to a pallet, most pallets shipped to two customers, and one
quality hold — then the banner: GraphiQL URL, a dev token and a trace query that works.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from serialtrace.common.auth import Role, issue_token

PREFIX = "DEMO"
UNITS = 200
CARTON, PALLET = 10, 4  # units per carton, cartons per pallet


class DemoError(RuntimeError):
    pass


@dataclass
class Graph:
    url: str
    token: str

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(  # noqa: S310 - the local gateway
            self.url,
            data=body,
            method="POST",
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
        if result.get("errors"):
            raise DemoError(f"loading demo data failed: {result['errors'][0]['message']}")
        data: dict[str, Any] = result["data"]
        return data


def demo_loaded(graph: Graph) -> bool:
    return graph('{ product(sku: "DEMO-WIDGET") { sku } }')["product"] is not None


def load_demo(
    url: str, jwt_secret: str, log: Callable[[str], None] = print, units: int = UNITS
) -> None:
    """Loads the demo factory (`units` widgets) unless it is there already."""
    graph = Graph(url, issue_token(jwt_secret, "demo-loader", [Role.ADMIN.value], 3600))
    if demo_loaded(graph):
        return
    log(f"loading the demo factory ({units} widgets) through the graph ...")
    _master_data(graph)
    # Boards are built into widgets before they are completed, so they never enter
    # stock; completed widgets enter it in the finished-goods bin, ready to pack.
    boards = _commission(graph, "DEMO-BOARD", [f"B{n:05d}" for n in range(units)], "DEMO-WH")
    widgets = _commission(graph, "DEMO-WIDGET", [f"W{n:05d}" for n in range(units)], "DEMO-FG")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda pair: _build(graph, n=pair[0], board=pair[1][0], widget=pair[1][1]),
                enumerate(zip(boards, widgets, strict=True)),
            )
        )
    _pack_and_ship(graph, widgets)
    graph(
        """mutation { placeHold(input: {reason: "Resin lot R-003 viscosity out of spec",
             lots: [{sku: "DEMO-RESIN", lotNumber: "R-003"}]}) { id } }"""
    )
    log("demo factory loaded")


def _master_data(graph: Graph) -> None:
    graph(
        """mutation {
          a: createLocation(input: {code: "DEMO-SITE", name: "Demo plant", kind: SITE}) { code }
          b: createLocation(input: {code: "DEMO-WH", name: "Stores", kind: WAREHOUSE,
                                    parentCode: "DEMO-SITE"}) { code }
          c: createLocation(input: {code: "DEMO-BIN-A1", name: "Bin A1", kind: BIN,
                                    parentCode: "DEMO-WH"}) { code }
          d: createLocation(input: {code: "DEMO-FG", name: "Finished goods", kind: BIN,
                                    parentCode: "DEMO-WH"}) { code }
          e: createLocation(input: {code: "DEMO-LINE-1", name: "Line 1", kind: LINE,
                                    parentCode: "DEMO-SITE"}) { code }
          f: createParty(input: {code: "DEMO-RESINCO", name: "ResinCo", kind: SUPPLIER}) { code }
          g: createParty(input: {code: "DEMO-FASTEN", name: "Fasten AG", kind: SUPPLIER}) { code }
          h: createParty(input: {code: "DEMO-ACME", name: "ACME Retail", kind: CUSTOMER}) { code }
          i: createParty(input: {code: "DEMO-NORTH", name: "North Distribution",
                                 kind: CUSTOMER}) { code }
          j: createProduct(input: {sku: "DEMO-RESIN", name: "Epoxy resin", kind: MATERIAL,
                                   tracking: LOT}) { sku }
          k: createProduct(input: {sku: "DEMO-SCREW", name: "M3 screw", kind: COMPONENT,
                                   tracking: LOT}) { sku }
          l: createProduct(input: {sku: "DEMO-BOARD", name: "Controller board",
                                   kind: SUBASSEMBLY, tracking: SERIAL}) { sku }
          m: createProduct(input: {sku: "DEMO-WIDGET", name: "Smart widget", kind: FINISHED,
                                   tracking: SERIAL, gtin: "09506000134352"}) { sku }
        }"""
    )
    graph(
        """mutation {
          a: createBomRevision(input: {sku: "DEMO-BOARD", revision: "A",
               items: [{sku: "DEMO-RESIN", quantity: 0.5}]}) { revision }
          b: createBomRevision(input: {sku: "DEMO-WIDGET", revision: "A",
               items: [{sku: "DEMO-BOARD", quantity: 1}, {sku: "DEMO-SCREW", quantity: 4}]}) {
            revision }
          c: approveBomRevision(sku: "DEMO-BOARD", revision: "A", meaning: "released") {
            revision }
          d: approveBomRevision(sku: "DEMO-WIDGET", revision: "A", meaning: "released") {
            revision }
        }"""
    )
    for sku, lot, supplier, quantity in (
        ("DEMO-RESIN", "R-001", "DEMO-RESINCO", 60),
        ("DEMO-RESIN", "R-002", "DEMO-RESINCO", 60),
        ("DEMO-RESIN", "R-003", "DEMO-RESINCO", 60),
        ("DEMO-SCREW", "S-1001", "DEMO-FASTEN", 5000),
    ):
        graph(
            """mutation($sku: String!, $lot: String!, $sup: String!, $q: Float!) {
              receiveLot(input: {sku: $sku, lotNumber: $lot, quantity: $q, supplierCode: $sup,
                                 supplierLotNumber: $lot, locationCode: "DEMO-BIN-A1"}) { sku }
            }""",
            {"sku": sku, "lot": lot, "sup": supplier, "q": quantity},
        )


def _commission(graph: Graph, sku: str, serials: list[str], output: str) -> list[dict[str, str]]:
    order = graph(
        """mutation($sku: String!, $q: Int!, $out: String!) { createWorkOrder(input: {
             sku: $sku, quantity: $q, bomRevision: "A", line: "DEMO-LINE-1",
             outputLocationCode: $out}) { id } }""",
        {"sku": sku, "q": len(serials), "out": output},
    )["createWorkOrder"]["id"]
    units: list[dict[str, str]] = graph(
        """mutation($wo: ID!, $s: [String!]) { commissionUnits(input: {workOrderId: $wo,
             serials: $s}) { sku serial } }""",
        {"wo": order, "s": serials},
    )["commissionUnits"]
    return units


def _build(graph: Graph, n: int, board: dict[str, str], widget: dict[str, str]) -> None:
    """One widget: its board (resin from one of three lots), screws, tests, approval."""
    resin = f"R-00{n % 3 + 1}"

    def scan(key: str, action: dict[str, Any]) -> dict[str, Any]:
        return {"idempotencyKey": f"demo-{key}-{widget['serial']}", "action": action}

    def op(unit: dict[str, str], name: str, station: str, value: float) -> dict[str, Any]:
        return {
            "recordOperation": {
                "unit": unit,
                "operation": name,
                "station": station,
                "result": "PASS",
                "measurements": {"value": value},
            }
        }

    def install(parent: dict[str, str], **component: Any) -> dict[str, Any]:
        return {"installComponent": {"parent": parent, "operation": "ASSEMBLY", **component}}

    scans = [
        scan(
            "resin", install(board, lot={"sku": "DEMO-RESIN", "lotNumber": resin, "quantity": 0.5})
        ),
        scan("solder", op(board, "SOLDER", "SMT-1", 241.0 + n % 7)),
        scan("board", install(widget, component=board)),
        scan(
            "screws",
            install(widget, lot={"sku": "DEMO-SCREW", "lotNumber": "S-1001", "quantity": 4}),
        ),
        scan("assembly", op(widget, "ASSEMBLY", "ASM-2", 1.0)),
        scan("test", op(widget, "FINAL_TEST", "TEST-3", 12.0 + (n % 5) / 100)),
    ]
    outcomes = graph(
        """mutation($s: [ScanInput!]!) { submitScans(scans: $s) { ok message } }""",
        {"s": scans},
    )["submitScans"]
    failed = [o["message"] for o in outcomes if not o["ok"]]
    if failed:
        raise DemoError(f"loading demo data failed: {failed[0]}")
    graph(
        """mutation($b: UnitKey!, $w: UnitKey!) {
             a: completeUnit(unit: $b) { serial } b: completeUnit(unit: $w) { serial } }""",
        {"b": board, "w": widget},
    )


def _pack_and_ship(graph: Graph, widgets: list[dict[str, str]]) -> None:
    cartons = [
        graph(
            """mutation($u: [UnitKey!]) { pack(input: {kind: CARTON, units: $u}) { sscc } }""",
            {"u": widgets[i : i + CARTON]},
        )["pack"]["sscc"]
        for i in range(0, len(widgets), CARTON)
    ]
    pallets = [
        graph(
            """mutation($p: [String!]) { pack(input: {kind: PALLET, packages: $p}) { sscc } }""",
            {"p": cartons[i : i + PALLET]},
        )["pack"]["sscc"]
        for i in range(0, len(cartons), PALLET)
    ]
    # Three pallets in four ship; the last stays in stock (and under the resin hold).
    for n, pallet in enumerate(pallets[: len(pallets) * 3 // 4]):
        graph(
            """mutation($c: String!, $p: [String!], $t: String) { createShipment(input: {
                 customerCode: $c, packages: $p, carrier: "DHL", trackingNumber: $t}) { id } }""",
            {"c": ("DEMO-ACME", "DEMO-NORTH")[n % 2], "p": [pallet], "t": f"JD{n:08d}"},
        )


EXAMPLE_QUERY = """query Trace {
  unit(sku: "DEMO-WIDGET", serial: "W00000") {
    buildStatus custodyStatus qualityStatus
    materialLots { sku lotNumber supplier { name } }
    operations { operation station operator result measurements }
    components { lot { lotNumber } unit { serial components { lot { lotNumber } } } }
    movements { kind at toLocation { code } }
    package { sscc parent { sscc } }
    shipment { shippedAt carrier customer { name } }
    auditTrail { service action at actor }
  }
}"""
