from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select

from serialtrace.common import ledger
from serialtrace.common.server import RunningServer
from serialtrace.common.testing import (
    Caller,
    TestDatabases,
    sql_engine,
    start_services,
    token,
    unique,
)
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.store import MovementRow
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

SERVICES = ("masterdata", "production", "warehouse", "quality")
STUBS = {
    "masterdata": md_grpc.MasterdataServiceStub,
    "production": pp_grpc.ProductionServiceStub,
    "warehouse": wh_grpc.WarehouseServiceStub,
    "quality": qa_grpc.QualityServiceStub,
}


@dataclass
class Suite:
    """The four real services on free ports, calling each other over gRPC."""

    servers: dict[str, RunningServer]
    databases: dict[str, str]
    channels: dict[str, grpc.Channel]

    def call(self, service: str, *roles: str, sub: str = "wes") -> Caller:
        return Caller(STUBS[service](self.channels[service]), token(sub, *roles))

    def rows(self, service: str, query: Any) -> Any:
        engine = sql_engine(self.databases[service])
        try:
            with engine.connect() as conn:
                return conn.execute(query).scalar_one()
        finally:
            engine.dispose()

    def warehouse_state(self) -> tuple[int, int]:
        """(movement rows, ledger entries) in the warehouse database."""
        return (
            self.rows("warehouse", select(func.count()).select_from(MovementRow)),
            self.rows("warehouse", select(func.count()).select_from(ledger.audit_ledger)),
        )

    def setup_site(self) -> tuple[str, str, str, str]:
        """A warehouse location, a second one, a supplier and a customer."""
        admin = self.call("masterdata", "admin")
        loc, loc2, supplier, customer = (unique("WH"), unique("WH"), unique("SUP"), unique("CUS"))
        for code in (loc, loc2):
            admin.CreateLocation(
                md.CreateLocationRequest(
                    location=md.Location(code=code, name=code, kind=md.LOCATION_KIND_WAREHOUSE)
                )
            )
        admin.CreateParty(
            md.CreatePartyRequest(
                party=md.Party(code=supplier, name="Supplier", kind=md.PARTY_KIND_SUPPLIER)
            )
        )
        admin.CreateParty(
            md.CreatePartyRequest(
                party=md.Party(code=customer, name="Customer", kind=md.PARTY_KIND_CUSTOMER)
            )
        )
        return loc, loc2, supplier, customer

    def product(self, tracking: int = md.TRACKING_MODE_SERIAL, items: tuple[str, ...] = ()) -> str:
        sku = unique("SKU")
        self.call("masterdata", "admin").CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku,
                    name=sku,
                    kind=md.PRODUCT_KIND_COMPONENT,
                    tracking=tracking,
                    serial_template="S{seq:06d}" if tracking == 1 else "",
                )
            )
        )
        if items:
            self.call("masterdata", "admin").CreateBomRevision(
                md.CreateBomRevisionRequest(
                    sku=sku, revision="A", items=[md.BomItem(sku=i, quantity=2) for i in items]
                )
            )
            self.call("masterdata", "quality").ApproveBomRevision(
                md.ApproveBomRevisionRequest(sku=sku, revision="A", meaning="released")
            )
        return sku


@pytest.fixture(scope="session")
def suite(test_databases: TestDatabases) -> Iterator[Suite]:
    running = start_services(test_databases, list(SERVICES))
    channels = {name: grpc.insecure_channel(addr) for name, addr in running.addrs.items()}
    yield Suite(running.servers, running.databases, channels)
    for channel in channels.values():
        channel.close()
    running.stop()
