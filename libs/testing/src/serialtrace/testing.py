"""Test support for the graph: an HTTP GraphQL client, the roles' tokens, a small factory
built through the graph, and the whole suite in one process or as five.

The gateway's own tests start the four real services and a real gateway in this process
on free ports (`start_suite`); the end-to-end suite (tests-e2e/) and the bench run every
piece as its own process (`ProcessSuite`). Kept out of the gateway's package so that the
product ships no test support.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serialtrace.common import gs1
from serialtrace.common.health_wait import is_serving
from serialtrace.common.testing import (
    TEST_JWT_SECRET,
    RunningServices,
    TestDatabases,
    free_port,
    start_services,
    token,
    unique,
)
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.main import RunningGateway, start_in_thread

SERVICE_NAMES = ("masterdata", "production", "warehouse", "quality")
# Every gRPC service a suite runs: the graph's four and the EPCIS repository.
SUITE_SERVICES = (*SERVICE_NAMES, "epcis")


class GraphError(AssertionError):
    """A GraphQL response had errors where the test expected none."""


class GraphClient:
    """POSTs GraphQL to the gateway: `client.data(query, variables, token=...)`."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url, self.token = url, token

    def as_(self, token: str | None) -> GraphClient:
        return GraphClient(self.url, token)

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        sent = {"content-type": "application/json"}
        if self.token:
            sent["authorization"] = f"Bearer {self.token}"
        sent.update(headers or {})
        status, answer = self._post(body, sent, timeout)
        if status >= 400:  # as urllib raises it
            return {"http_status": status, "body": answer.decode(errors="replace")}
        result: dict[str, Any] = json.loads(answer)
        return result

    def _post(self, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        """(status, body) of one POST on a connection of its own."""
        request = urllib.request.Request(  # noqa: S310 - the gateway under test, on 127.0.0.1
            self.url, data=body, method="POST", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def data(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The response's data; fails the test if there were errors."""
        result = self.execute(query, variables)
        if result.get("errors") or "data" not in result:
            raise GraphError(json.dumps(result, indent=2)[:4000])
        data: dict[str, Any] = result["data"]
        return data

    def errors(
        self, query: str, variables: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The response's errors; fails the test if there were none."""
        result = self.execute(query, variables)
        if not result.get("errors"):
            raise AssertionError(f"expected errors, got {json.dumps(result)[:2000]}")
        errors: list[dict[str, Any]] = result["errors"]
        return errors


class KeptAliveGraphClient(GraphClient):
    """A GraphClient that keeps one HTTP/1.1 connection open across its requests, as a
    scanning station or a browser does (GraphClient opens one per request). For one
    thread at a time. A connection the server closed meanwhile (uvicorn closes an idle
    one after `timeout_keep_alive`, 5 s) is opened again once, for that request."""

    def __init__(self, url: str, token: str | None = None) -> None:
        super().__init__(url, token)
        parts = urllib.parse.urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._path = parts.path or "/"
        self._connection: http.client.HTTPConnection | None = None
        self.connections = 0  # opened so far (tests and the bench read it)

    def as_(self, token: str | None) -> GraphClient:
        return KeptAliveGraphClient(self.url, token)

    def _post(self, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        reused = self._connection is not None
        try:
            return self._exchange(body, headers, timeout)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.close()
            if not reused:
                raise
            return self._exchange(body, headers, timeout)  # closed while idle: once more

    def _exchange(self, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self.connections += 1
        connection = self._connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        connection.request("POST", self._path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.will_close:
            self.close()
        return response.status, answer

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code", "") for e in errors]


@dataclass
class RunningSuite:
    services: RunningServices
    gateway: RunningGateway

    @property
    def url(self) -> str:
        return self.gateway.url

    def stop(self) -> None:
        self.gateway.stop()
        self.services.stop()


def gateway_settings(addrs: Mapping[str, str], **env: str) -> GatewaySettings:
    return GatewaySettings.from_env(
        {
            "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
            "GATEWAY_PORT": str(free_port()),
            **{f"{name.upper()}_ADDR": addr for name, addr in addrs.items()},
            **env,
        }
    )


def start_suite(test_databases: TestDatabases, **env: str) -> RunningSuite:
    """The five services (each on a fresh database) and the gateway, all on free ports."""
    services = start_services(test_databases, SUITE_SERVICES)
    gateway = start_in_thread(gateway_settings(services.addrs, **env))
    return RunningSuite(services, gateway)


ADMIN = token("ada", "admin")
PLANNER = token("pia", "planner")
OPERATOR = token("olga", "operator")
QUALITY = token("quinn", "quality")
AUDITOR = token("audrey", "auditor")
VIEWER = token("vic", "viewer")


def gtin_for(seed: int) -> str:
    body = f"0950600{seed:06d}"
    return body + str(gs1.gs1_check_digit(body))


@dataclass
class GraphFactory:
    """A small factory built through the graph alone: products, BOMs, one lot, units
    built two levels deep (what the golden path and the batching tests stand on)."""

    graph: GraphClient
    tag: str = field(default_factory=lambda: unique("F"))
    gtin_seed: int = 0
    # GTINs for the board and the resin too (the fg always has one): every unit and lot
    # then has a GS1 name, as EPCIS events need.
    every_gtin: bool = False

    def __post_init__(self) -> None:
        t = self.tag
        self.warehouse, self.bin, self.line = f"{t}-WH", f"{t}-BIN", f"{t}-LINE"
        self.supplier, self.customer = f"{t}-SUP", f"{t}-CUST"
        self.resin, self.sub, self.fg = f"{t}-RESIN", f"{t}-SUB", f"{t}-FG"
        self.lot = f"{t}-L1"
        self.fg_gtin = gtin_for(secrets.randbelow(900_000) + 100_000)
        self.sub_gtin = gtin_for(secrets.randbelow(900_000) + 100_000) if self.every_gtin else None
        self.resin_gtin = (
            gtin_for(secrets.randbelow(900_000) + 100_000) if self.every_gtin else None
        )

    def as_(self, bearer: str) -> GraphClient:
        return self.graph.as_(bearer)

    def setup_master_data(self) -> None:
        admin = self.as_(ADMIN)
        admin.data(
            """mutation($wh: String!, $bin: String!, $line: String!, $sup: String!,
                        $cust: String!) {
              a: createLocation(input: {code: $wh, name: "Main stores", kind: WAREHOUSE}) { code }
              b: createLocation(input: {code: $bin, name: "Bin A1", kind: BIN,
                                        parentCode: $wh}) { code }
              c: createLocation(input: {code: $line, name: "Line 1", kind: LINE,
                                        parentCode: $wh}) { code }
              d: createParty(input: {code: $sup, name: "Resin Supplier", kind: SUPPLIER}) { code }
              e: createParty(input: {code: $cust, name: "ACME Retail", kind: CUSTOMER}) { code }
            }""",
            {
                "wh": self.warehouse,
                "bin": self.bin,
                "line": self.line,
                "sup": self.supplier,
                "cust": self.customer,
            },
        )
        admin.data(
            """mutation($resin: String!, $sub: String!, $fg: String!, $gtin: String!,
                        $subGtin: String, $resinGtin: String) {
              a: createProduct(input: {sku: $resin, name: "Resin", kind: MATERIAL,
                                       tracking: LOT, gtin: $resinGtin}) { sku }
              b: createProduct(input: {sku: $sub, name: "Board", kind: SUBASSEMBLY,
                                       tracking: SERIAL, gtin: $subGtin}) { sku }
              c: createProduct(input: {sku: $fg, name: "Widget", kind: FINISHED, tracking: SERIAL,
                                       gtin: $gtin}) { sku }
            }""",
            {
                "resin": self.resin,
                "sub": self.sub,
                "fg": self.fg,
                "gtin": self.fg_gtin,
                "subGtin": self.sub_gtin,
                "resinGtin": self.resin_gtin,
            },
        )
        admin.data(
            """mutation($resin: String!, $sub: String!, $fg: String!) {
              a: createBomRevision(input: {sku: $sub, revision: "A",
                                   items: [{sku: $resin, quantity: 2}]}) { revision }
              b: createBomRevision(input: {sku: $fg, revision: "A",
                                   items: [{sku: $sub, quantity: 1}, {sku: $resin, quantity: 1}]}) {
                revision
              }
            }""",
            {"resin": self.resin, "sub": self.sub, "fg": self.fg},
        )
        self.as_(QUALITY).data(
            """mutation($sub: String!, $fg: String!) {
              a: approveBomRevision(sku: $sub, revision: "A", meaning: "released for build") {
                approval { by }
              }
              b: approveBomRevision(sku: $fg, revision: "A", meaning: "released for build") {
                approval { by }
              }
            }""",
            {"sub": self.sub, "fg": self.fg},
        )
        self.as_(OPERATOR).data(
            """mutation($resin: String!, $lot: String!, $sup: String!, $bin: String!) {
              receiveLot(input: {sku: $resin, lotNumber: $lot, quantity: 1000, supplierCode: $sup,
                                 supplierLotNumber: "S-778", locationCode: $bin}) {
                quantityOnHand
              }
            }""",
            {"resin": self.resin, "lot": self.lot, "sup": self.supplier, "bin": self.bin},
        )

    def commission(
        self, sku: str, serials: list[str], output_location: str | None = None
    ) -> list[dict[str, Any]]:
        """Units of a new work order on the line; completed, they enter stock at
        `output_location`, or without one at the warehouse above the line."""
        planner = self.as_(PLANNER)
        order = planner.data(
            """mutation($sku: String!, $qty: Int!, $line: String, $out: String) {
              createWorkOrder(input: {sku: $sku, quantity: $qty, bomRevision: "A", line: $line,
                                      outputLocationCode: $out}) {
                id
              }
            }""",
            {"sku": sku, "qty": len(serials), "line": self.line, "out": output_location},
        )["createWorkOrder"]
        units: list[dict[str, Any]] = planner.data(
            """mutation($wo: ID!, $serials: [String!]) {
              commissionUnits(input: {workOrderId: $wo, serials: $serials,
                                      attributes: {color: "blue"}}) { sku serial }
            }""",
            {"wo": order["id"], "serials": serials},
        )["commissionUnits"]
        return units

    def install_lot(self, sku: str, serial: str, quantity: float) -> None:
        self.as_(OPERATOR).data(
            """mutation($p: UnitKey!, $lot: LotQuantity!) {
              installComponent(input: {parent: $p, lot: $lot, operation: "ASSEMBLY"}) { quantity }
            }""",
            {
                "p": {"sku": sku, "serial": serial},
                "lot": {"sku": self.resin, "lotNumber": self.lot, "quantity": quantity},
            },
        )


TRACE = """
query Trace($sku: String!, $serial: String!) {
  unit(sku: $sku, serial: $serial) {
    sku serial attributes createdAt
    product { sku name kind gtin }
    aliases { kind value }
    buildStatus
    workOrder { id quantity bomRevision line status outputLocation { code } }
    operations { id operation station operator result measurements finishedAt
                 approval { by at meaning } }
    components {
      quantity operation installedBy installedAt
      lot { sku lotNumber supplier { code name } supplierLotNumber }
      unit {
        sku serial buildStatus
        components { quantity lot { sku lotNumber } }
      }
    }
    installedIn { sku serial }
    materialLots { sku lotNumber supplier { code } receivedAt }
    custodyStatus
    location { code }
    movements { kind at by fromLocation { code } toLocation { code } reference }
    package { sscc kind parent { sscc kind } }
    shipment { id shippedAt carrier trackingNumber customer { code name } unitCount }
    qualityStatus
    inspections { kind result inspector }
    holds { id }
    recalls { id }
    auditTrail { service seq at actor action entityType entityId prevHash hash }
  }
}
"""


def build_and_ship(factory: GraphFactory) -> dict[str, Any]:
    """Everything the golden path does, through the graph; returns what it built."""
    factory.setup_master_data()
    (sub,) = factory.commission(factory.sub, ["B-0001"])  # into the line's warehouse
    (fg,) = factory.commission(factory.fg, ["W-0001"], output_location=factory.bin)
    operator, quality = factory.as_(OPERATOR), factory.as_(QUALITY)

    factory.install_lot(factory.sub, sub["serial"], 2)
    operator.data(
        """mutation($p: UnitKey!) {
          recordOperation(input: {unit: $p, operation: "SOLDER", station: "ST-1", result: PASS,
                                  measurements: {temperature: 241.5}}) { id }
        }""",
        {"p": sub},
    )
    operator.data(
        """mutation($p: UnitKey!) { completeUnit(unit: $p) { buildStatus } }""", {"p": sub}
    )
    operator.data(
        """mutation($p: UnitKey!, $c: UnitKey!) {
          installComponent(input: {parent: $p, component: $c, operation: "ASSEMBLY"}) {
            unit { serial installedIn { serial } }
          }
        }""",
        {"p": fg, "c": sub},
    )
    factory.install_lot(factory.fg, fg["serial"], 1)
    test_op = operator.data(
        """mutation($p: UnitKey!) {
          recordOperation(input: {unit: $p, operation: "FINAL_TEST", station: "TEST-3",
                                  result: PASS, measurements: {voltage: 12.02, ok: true}}) {
            id operator
          }
        }""",
        {"p": fg},
    )["recordOperation"]
    quality.data(
        """mutation($id: ID!) {
          approveOperation(id: $id, meaning: "test record reviewed") { approval { by } }
        }""",
        {"id": test_op["id"]},
    )
    quality.data(
        """mutation($p: UnitKey!) {
          recordInspection(input: {kind: FINAL, unit: $p, result: PASS,
                                   measurements: {visual: "ok"}}) { id }
        }""",
        {"p": fg},
    )
    completed = operator.data(
        """mutation($p: UnitKey!) { completeUnit(unit: $p) { buildStatus } }""", {"p": fg}
    )
    assert completed["completeUnit"]["buildStatus"] == "COMPLETE"
    # Completion put it in stock at its work order's output location: it packs at once.
    carton = operator.data(
        """mutation($u: [UnitKey!]) { pack(input: {kind: CARTON, units: $u}) { sscc } }""",
        {"u": [fg]},
    )["pack"]["sscc"]
    pallet = operator.data(
        """mutation($p: [String!]) { pack(input: {kind: PALLET, packages: $p}) { sscc } }""",
        {"p": [carton]},
    )["pack"]["sscc"]
    shipment = operator.data(
        """mutation($c: String!, $p: [String!]) {
          createShipment(input: {customerCode: $c, packages: $p, carrier: "DHL",
                                 trackingNumber: "JD0001"}) { id unitCount customer { code } }
        }""",
        {"c": factory.customer, "p": [pallet]},
    )["createShipment"]
    assert shipment["unitCount"] == 1
    return {
        "sub": sub,
        "fg": fg,
        "carton": carton,
        "pallet": pallet,
        "shipment": shipment,
        "test_op": test_op,
    }


# --- the suite as five real processes (tests-e2e/) -----------------------------------


class ProcessSuite:
    """masterdata, production, warehouse, quality and the gateway, each started as
    `serialtrace serve <name>` in its own process on a free port; kill and restart any.

    `databases` maps service → database URL (omitted: the SQLite default under
    `data_dir`). Process output goes to <data_dir>/<name>.log.
    """

    NAMES = (*SUITE_SERVICES, "gateway")

    def __init__(
        self, data_dir: Path, databases: Mapping[str, str] | None = None, **extra_env: str
    ) -> None:
        self.data_dir = data_dir
        self.databases = dict(databases or {})
        self.addrs = {name: f"127.0.0.1:{free_port()}" for name in SUITE_SERVICES}
        self.gateway_port = free_port()
        env = {
            **os.environ,
            "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
            "SERIALTRACE_DATA_DIR": str(data_dir),
            "SERIALTRACE_LOG_LEVEL": "WARNING",
            "GATEWAY_PORT": str(self.gateway_port),
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # export spans promptly when OTLP is on
            **{f"{n.upper()}_ADDR": a for n, a in self.addrs.items()},
            **{f"{n.upper()}_METRICS_PORT": "0" for n in SUITE_SERVICES},
            **{f"{n.upper()}_DATABASE_URL": url for n, url in (databases or {}).items()},
            **extra_env,
        }
        if "OTEL_EXPORTER_OTLP_ENDPOINT" not in extra_env:
            env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)  # no exporter unless a test asks
        self.env = env
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}/graphql"

    def start(self, *names: str, timeout: float = 60) -> None:
        for name in names or self.NAMES:
            log = (self.data_dir / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter
                [sys.executable, "-m", "serialtrace.common.cli", "serve", name],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.wait_ready(name, timeout)
        if "gateway" in self.processes:
            # As a load balancer would: send traffic once the gateway reaches everything.
            self.wait_ready("gateway", timeout)

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                log = (self.data_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log}")
            if self._ready(name):
                return
            time.sleep(0.1)
        raise TimeoutError(f"{name} was not ready within {timeout:.0f}s")

    def _ready(self, name: str) -> bool:
        if name != "gateway":
            return is_serving(self.addrs[name], timeout=1)
        try:
            with urllib.request.urlopen(  # noqa: S310 - the gateway under test
                self.url.replace("/graphql", "/readyz"), timeout=2
            ) as reply:
                return bool(reply.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        process = self.processes.pop(name)
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
