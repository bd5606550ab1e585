from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from serialtrace.common.server import RunningServer
from serialtrace.common.testing import Caller, TestDatabases, start_service, token, unique
from serialtrace.masterdata.main import service as masterdata_service
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.main import service as production_service
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc


@dataclass
class Suite:
    """Real masterdata and production servers, production calling masterdata over gRPC."""

    masterdata: RunningServer
    production: RunningServer
    md_channel: grpc.Channel
    channel: grpc.Channel

    def as_role(self, *roles: str, sub: str = "pat") -> Caller:
        return Caller(pb_grpc.ProductionServiceStub(self.channel), token(sub, *roles))

    def md(self, *roles: str) -> Caller:
        return Caller(md_grpc.MasterdataServiceStub(self.md_channel), token("ada", *roles))

    def product_with_bom(self, approve: bool = True, **fields: Any) -> str:
        """A serial-tracked product with BOM revision A (approved unless told otherwise)."""
        sku, part = unique("FG"), unique("PART")
        admin = self.md("admin")
        admin.CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=part,
                    name="Part",
                    kind=md.PRODUCT_KIND_COMPONENT,
                    tracking=md.TRACKING_MODE_SERIAL,
                )
            )
        )
        admin.CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku,
                    name="Pump",
                    kind=md.PRODUCT_KIND_FINISHED,
                    tracking=md.TRACKING_MODE_SERIAL,
                    serial_template="P{seq:07d}",
                    serial_pattern=r"P\d{7}",
                    **fields,
                )
            )
        )
        admin.CreateBomRevision(
            md.CreateBomRevisionRequest(
                sku=sku, revision="A", items=[md.BomItem(sku=part, quantity=1)]
            )
        )
        if approve:
            self.md("quality").ApproveBomRevision(
                md.ApproveBomRevisionRequest(
                    sku=sku, revision="A", meaning="released for production"
                )
            )
        return sku

    def work_order(self, sku: str, quantity: int = 10) -> str:
        return str(
            self.as_role("planner")
            .CreateWorkOrder(
                pb.CreateWorkOrderRequest(sku=sku, quantity=quantity, bom_revision="A", line="L1")
            )
            .work_order.id
        )

    def commission(self, wo: str, count: int = 1, key: str = "") -> list[str]:
        units = (
            self.as_role("planner")
            .CommissionUnits(
                pb.CommissionUnitsRequest(work_order_id=wo, count=count, idempotency_key=key)
            )
            .units
        )
        return [u.serial for u in units]


@pytest.fixture(scope="session")
def suite(test_databases: TestDatabases) -> Iterator[Suite]:
    masterdata = start_service(masterdata_service, test_databases.create("masterdata"))
    production = start_service(
        production_service, test_databases.create("production"), MASTERDATA_ADDR=masterdata.address
    )
    md_channel = grpc.insecure_channel(masterdata.address)
    channel = grpc.insecure_channel(production.address)
    yield Suite(masterdata, production, md_channel, channel)
    channel.close()
    md_channel.close()
    production.stop(0)
    masterdata.stop(0)


@pytest.fixture
def production_without_masterdata(test_databases: TestDatabases) -> Iterator[Caller]:
    """Production whose masterdata address answers nothing."""
    running = start_service(
        production_service, test_databases.create("production"), MASTERDATA_ADDR="127.0.0.1:1"
    )
    channel = grpc.insecure_channel(running.address)
    yield Caller(pb_grpc.ProductionServiceStub(channel), token("pat", "planner"))
    channel.close()
    running.stop(0)
