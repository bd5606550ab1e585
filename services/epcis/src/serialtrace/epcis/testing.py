"""Test support for the EPCIS service and its HTTP door: documents with fresh EPCs, and a
real EPCIS service on its own database."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import grpc

from serialtrace.common.server import RunningServer
from serialtrace.common.testing import Caller, TestDatabases, start_service, token
from serialtrace.epcis.main import service
from serialtrace.epcis.v1 import epcis_pb2_grpc as pb_grpc

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
_serials = itertools.count(1)


def serial() -> str:
    return f"T{next(_serials)}x{id(_serials) % 100000}"


def sgtin(serial_number: str) -> str:
    return f"urn:epc:id:sgtin:4012345.011111.{serial_number}"


def object_event(*epcs: str, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T10:00:00.000+02:00",
        "eventTimeZoneOffset": "+02:00",
        "epcList": list(epcs) or [sgtin(serial())],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
    }
    event.update(fields)
    return event


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T10:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


@dataclass
class Repository:
    """A real EPCIS service on its own database."""

    server: RunningServer
    channel: grpc.Channel
    database_url: str

    def as_(self, *roles: str, sub: str = "erin") -> Caller:
        return Caller(pb_grpc.EpcisServiceStub(self.channel), token(sub, *roles))

    def stop(self) -> None:
        self.channel.close()
        self.server.stop(0)


def start_repository(test_databases: TestDatabases) -> Repository:
    url = test_databases.create("epcis")
    server = start_service(service, url)
    return Repository(server, grpc.insecure_channel(server.address), url)
