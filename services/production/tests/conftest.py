from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
import pytest

from serialtrace.common.db import Database
from serialtrace.common.server import RunningServer
from serialtrace.common.testing import Caller, TestDatabases, start_service, token, unique
from serialtrace.common.timeutil import utcnow
from serialtrace.masterdata.main import service as masterdata_service
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production import store
from serialtrace.production.main import service as production_service
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc
from serialtrace.warehouse.main import service as warehouse_service
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

DEAD = "127.0.0.1:1"  # nothing listens here


@dataclass
class Product:
    sku: str
    part: str  # serialized component in BOM revision A
    material: str  # lot-tracked material in BOM revision A (2 per unit)


@dataclass
class Suite:
    """Real masterdata, warehouse and production servers calling each other over gRPC.

    Quality is pointed at an address where nothing listens, so every check that needs it
    fails closed. Work orders that name no output location get `finished_goods`, the
    production service's WAREHOUSE_FINISHED_GOODS_LOCATION.
    """

    masterdata: RunningServer
    production: RunningServer
    warehouse: RunningServer
    md_channel: grpc.Channel
    channel: grpc.Channel
    wh_channel: grpc.Channel
    production_db: str
    finished_goods: str
    products: list[Product] = field(default_factory=list)

    def stores(self, *roles: str) -> Caller:
        return Caller(wh_grpc.WarehouseServiceStub(self.wh_channel), token("wes", *roles))

    def as_role(self, *roles: str, sub: str = "pat") -> Caller:
        return Caller(pb_grpc.ProductionServiceStub(self.channel), token(sub, *roles))

    def md(self, *roles: str) -> Caller:
        return Caller(md_grpc.MasterdataServiceStub(self.md_channel), token("ada", *roles))

    def product_with_bom(self, approve: bool = True) -> str:
        """A serial-tracked product whose BOM revision A needs one part and 2 of a material."""
        sku, part, material = unique("FG"), unique("PART"), unique("RESIN")
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
                    sku=material,
                    name="Resin",
                    kind=md.PRODUCT_KIND_MATERIAL,
                    tracking=md.TRACKING_MODE_LOT,
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
                )
            )
        )
        admin.CreateBomRevision(
            md.CreateBomRevisionRequest(
                sku=sku,
                revision="A",
                items=[md.BomItem(sku=part, quantity=1), md.BomItem(sku=material, quantity=2)],
            )
        )
        if approve:
            self.md("quality").ApproveBomRevision(
                md.ApproveBomRevisionRequest(
                    sku=sku, revision="A", meaning="released for production"
                )
            )
        self.products.append(Product(sku, part, material))
        return sku

    def bom(self, sku: str) -> Product:
        return next(p for p in self.products if p.sku == sku)

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

    def seed_edge(
        self, parent: tuple[str, str], kind: str, component: tuple[str, str], quantity: float = 1.0
    ) -> None:
        """Writes an installation through production's own store functions (the ones the
        install use case calls). Quality is unreachable here, so the install RPC fails
        closed; tests of reads and rework put their genealogy in this way."""
        database = Database(self.production_db)
        try:
            with database.transaction() as session:
                parent_node = store.ensure_node(session, "UNIT", *parent)
                component_node = store.ensure_node(session, kind, *component)
                store.add_edge(
                    session,
                    unique("SEED"),
                    parent_node,
                    component_node,
                    quantity,
                    "ASSY",
                    "seed",
                    utcnow(),
                )
        finally:
            database.dispose()


def create_location(md_channel: grpc.Channel, kind: int, parent: str = "") -> str:
    code = unique("LOC")
    Caller(md_grpc.MasterdataServiceStub(md_channel), token("ada", "admin")).CreateLocation(
        md.CreateLocationRequest(
            location=md.Location(code=code, name=code, kind=kind, parent_code=parent)
        )
    )
    return code


@pytest.fixture(scope="session")
def suite(test_databases: TestDatabases) -> Iterator[Suite]:
    masterdata = start_service(masterdata_service, test_databases.create("masterdata"))
    md_channel = grpc.insecure_channel(masterdata.address)
    finished_goods = create_location(md_channel, md.LOCATION_KIND_WAREHOUSE)
    warehouse = start_service(
        warehouse_service,
        test_databases.create("warehouse"),
        MASTERDATA_ADDR=masterdata.address,
        PRODUCTION_ADDR=DEAD,
        QUALITY_ADDR=DEAD,
    )
    production_db = test_databases.create("production")
    with pytest.MonkeyPatch.context() as env:  # read by production's config at start-up
        env.setenv("WAREHOUSE_FINISHED_GOODS_LOCATION", finished_goods)
        production = start_service(
            production_service,
            production_db,
            MASTERDATA_ADDR=masterdata.address,
            QUALITY_ADDR=DEAD,
            WAREHOUSE_ADDR=warehouse.address,
        )
    channel = grpc.insecure_channel(production.address)
    wh_channel = grpc.insecure_channel(warehouse.address)
    yield Suite(
        masterdata,
        production,
        warehouse,
        md_channel,
        channel,
        wh_channel,
        production_db,
        finished_goods,
    )
    wh_channel.close()
    channel.close()
    md_channel.close()
    production.stop(0)
    warehouse.stop(0)
    masterdata.stop(0)


@pytest.fixture
def production_without_masterdata(test_databases: TestDatabases) -> Iterator[Caller]:
    """Production whose masterdata address answers nothing."""
    running = start_service(
        production_service, test_databases.create("production"), MASTERDATA_ADDR=DEAD
    )
    channel = grpc.insecure_channel(running.address)
    yield Caller(pb_grpc.ProductionServiceStub(channel), token("pat", "planner"))
    channel.close()
    running.stop(0)
