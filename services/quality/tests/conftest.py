from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from serialtrace.common.db import Database
from serialtrace.common.server import RunningServer
from serialtrace.common.testing import Caller, TestDatabases, start_service, token, unique
from serialtrace.common.timeutil import utcnow
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.main import service as masterdata_service
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production import store as production_store
from serialtrace.production.main import service as production_service
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.main import service as quality_service
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc

DEAD = "127.0.0.1:1"  # nothing listens here (warehouse is not built yet)


@dataclass
class Plant:
    """Real masterdata, production and quality servers calling each other over gRPC."""

    servers: list[RunningServer]
    channels: dict[str, grpc.Channel]
    production_db: str
    stores: str = ""  # where work orders' completed units enter stock

    def quality(self, *roles: str, sub: str = "quinn") -> Caller:
        return Caller(qa_grpc.QualityServiceStub(self.channels["quality"]), token(sub, *roles))

    def production(self, *roles: str, sub: str = "olga") -> Caller:
        return Caller(
            pp_grpc.ProductionServiceStub(self.channels["production"]), token(sub, *roles)
        )

    def masterdata(self, *roles: str) -> Caller:
        return Caller(
            md_grpc.MasterdataServiceStub(self.channels["masterdata"]), token("ada", *roles)
        )

    def product(self, kind: int, items: list[str], tracking: int = md.TRACKING_MODE_SERIAL) -> str:
        """A product (with an approved BOM revision A of `items` when it has any)."""
        sku = unique("SKU")
        self.masterdata("admin").CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku,
                    name=sku,
                    kind=kind,
                    tracking=tracking,
                    serial_template="S{seq:06d}" if tracking == md.TRACKING_MODE_SERIAL else "",
                )
            )
        )
        if items or tracking == md.TRACKING_MODE_SERIAL:
            self.masterdata("admin").CreateBomRevision(
                md.CreateBomRevisionRequest(
                    sku=sku,
                    revision="A",
                    items=[md.BomItem(sku=i, quantity=1) for i in items]
                    or [md.BomItem(sku=self._filler(), quantity=1)],
                )
            )
            self.masterdata("quality").ApproveBomRevision(
                md.ApproveBomRevisionRequest(sku=sku, revision="A", meaning="released")
            )
        return sku

    def _filler(self) -> str:
        sku = unique("FILL")
        self.masterdata("admin").CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku, name=sku, kind=md.PRODUCT_KIND_COMPONENT, tracking=md.TRACKING_MODE_LOT
                )
            )
        )
        return sku

    def lot(self) -> tuple[str, str]:
        sku = unique("RESIN")
        self.masterdata("admin").CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku, name=sku, kind=md.PRODUCT_KIND_MATERIAL, tracking=md.TRACKING_MODE_LOT
                )
            )
        )
        number = unique("L")
        self.masterdata("operator").RegisterLot(
            md.RegisterLotRequest(lot=md.Lot(sku=sku, lot_number=number))
        )
        return sku, number

    def build(self, sku: str, count: int = 1) -> list[str]:
        planner = self.production("planner")
        wo = planner.CreateWorkOrder(
            pp.CreateWorkOrderRequest(
                sku=sku, quantity=count, bom_revision="A", output_location_code=self.stores
            )
        ).work_order.id
        return [
            u.serial
            for u in planner.CommissionUnits(
                pp.CommissionUnitsRequest(work_order_id=wo, count=count)
            ).units
        ]

    def install(self, parent: tuple[str, str], unit: tuple[str, str]) -> pp.ComponentLink:
        return (
            self.production("operator")
            .InstallComponent(
                pp.InstallComponentRequest(
                    parent=core_pb2.UnitKey(sku=parent[0], serial=parent[1]),
                    component_unit=core_pb2.UnitKey(sku=unit[0], serial=unit[1]),
                )
            )
            .link
        )

    def seed_lot_in(self, parent: tuple[str, str], lot: tuple[str, str]) -> None:
        """A lot installed through production's own store: installing a lot for real
        issues it from warehouse stock, and the warehouse service is not built yet."""
        database = Database(self.production_db)
        try:
            with database.transaction() as session:
                store = production_store
                store.add_edge(
                    session,
                    unique("SEED"),
                    store.ensure_node(session, "UNIT", *parent),
                    store.ensure_node(session, "LOT", *lot),
                    1.0,
                    "ASSY",
                    "seed",
                    utcnow(),
                )
        finally:
            database.dispose()


@pytest.fixture(scope="session")
def plant(test_databases: TestDatabases) -> Iterator[Plant]:
    masterdata = start_service(masterdata_service, test_databases.create("masterdata"))
    # Production and quality call each other: reserve quality's port by starting it first
    # with production's address unknown, then start production, then restart quality
    # pointed at it.
    production_db = test_databases.create("production")
    quality_db = test_databases.create("quality")
    probe = start_service(quality_service, quality_db, PRODUCTION_ADDR=DEAD)
    quality_port = probe.port
    probe.stop(0)
    production = start_service(
        production_service,
        production_db,
        MASTERDATA_ADDR=masterdata.address,
        QUALITY_ADDR=f"127.0.0.1:{quality_port}",
        WAREHOUSE_ADDR=DEAD,
    )
    quality = start_service(
        quality_service,
        quality_db,
        MASTERDATA_ADDR=masterdata.address,
        PRODUCTION_ADDR=production.address,
        QUALITY_ADDR=f"127.0.0.1:{quality_port}",
    )
    servers = [masterdata, production, quality]
    channels = {
        name: grpc.insecure_channel(s.address)
        for name, s in zip(("masterdata", "production", "quality"), servers, strict=True)
    }
    plant = Plant(servers, channels, production_db)
    plant.stores = unique("WH")
    plant.masterdata("admin").CreateLocation(
        md.CreateLocationRequest(
            location=md.Location(code=plant.stores, name="Stores", kind=md.LOCATION_KIND_WAREHOUSE)
        )
    )
    yield plant
    for channel in channels.values():
        channel.close()
    for server in reversed(servers):
        server.stop(0)


@pytest.fixture
def quality_without_production(plant: Plant, test_databases: TestDatabases) -> Iterator[Caller]:
    """Quality that reaches masterdata (the plant's) but no production."""
    running = start_service(
        quality_service,
        test_databases.create("quality"),
        MASTERDATA_ADDR=plant.servers[0].address,
        PRODUCTION_ADDR=DEAD,
    )
    channel = grpc.insecure_channel(running.address)
    yield Caller(qa_grpc.QualityServiceStub(channel), token("quinn", "quality"))
    channel.close()
    running.stop(0)


@pytest.fixture
def quality_without_masterdata(plant: Plant, test_databases: TestDatabases) -> Iterator[Caller]:
    """Quality that reaches the plant's production but no masterdata."""
    running = start_service(
        quality_service,
        test_databases.create("quality"),
        MASTERDATA_ADDR=DEAD,
        PRODUCTION_ADDR=plant.servers[1].address,
    )
    channel = grpc.insecure_channel(running.address)
    yield Caller(qa_grpc.QualityServiceStub(channel), token("quinn", "quality"))
    channel.close()
    running.stop(0)
