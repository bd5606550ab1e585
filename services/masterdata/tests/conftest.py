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
    start_service,
    token,
    unique,
)
from serialtrace.core.v1 import core_pb2_grpc
from serialtrace.masterdata.main import service
from serialtrace.masterdata.store import UnitRow
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as pb_grpc


@dataclass
class Masterdata:
    """The real masterdata server under test, and ways to call it and look at its rows."""

    running: RunningServer
    database_url: str
    channel: grpc.Channel

    def as_role(self, *roles: str, sub: str = "alice") -> Caller:
        return Caller(pb_grpc.MasterdataServiceStub(self.channel), token(sub, *roles))

    def ledger(self, *roles: str) -> Caller:
        return Caller(core_pb2_grpc.LedgerServiceStub(self.channel), token("audrey", *roles))

    @property
    def admin(self) -> Caller:
        return self.as_role("admin", sub="ada")

    def serial_product(self, **fields: Any) -> str:
        return self._product(
            "SKU", "Widget", pb.PRODUCT_KIND_FINISHED, pb.TRACKING_MODE_SERIAL, fields
        )

    def lot_product(self, prefix: str = "MAT", **fields: Any) -> str:
        """A lot-tracked material (resin, say), with `fields` such as its GTIN."""
        return self._product(
            prefix, "Resin", pb.PRODUCT_KIND_MATERIAL, pb.TRACKING_MODE_LOT, fields
        )

    def _product(self, prefix: str, name: str, kind: Any, tracking: Any, fields: Any) -> str:
        sku = unique(prefix)
        product = pb.Product(sku=sku, name=name, kind=kind, tracking=tracking, **fields)
        self.admin.CreateProduct(pb.CreateProductRequest(product=product))
        return sku

    def register(self, sku: str, *serials: str, key: str = "") -> pb.RegisterUnitsResponse:
        return self.as_role("planner").RegisterUnits(
            pb.RegisterUnitsRequest(
                sku=sku,
                serials=list(serials),
                source=pb.UNIT_SOURCE_COMMISSIONED,
                idempotency_key=key,
            )
        )

    def sql(self, query: Any) -> Any:
        engine = sql_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(query).all()
        finally:
            engine.dispose()

    def unit_rows(self, sku: str, serial: str | None = None) -> int:
        query = select(func.count()).select_from(UnitRow).where(UnitRow.sku == sku)
        if serial is not None:
            query = query.where(UnitRow.serial == serial)
        return int(self.sql(query)[0][0])

    def ledger_head(self) -> int:
        return int(self.sql(select(func.coalesce(func.max(ledger.audit_ledger.c.seq), 0)))[0][0])


def start(url: str) -> Iterator[Masterdata]:
    running = start_service(service, url)
    channel = grpc.insecure_channel(running.address)
    yield Masterdata(running, url, channel)
    channel.close()
    running.stop(0)


@pytest.fixture(scope="session")
def masterdata(test_databases: TestDatabases) -> Iterator[Masterdata]:
    yield from start(test_databases.create("masterdata"))


@pytest.fixture(scope="session")
def masterdata_sqlite(test_databases: TestDatabases) -> Iterator[Masterdata]:
    """The same service on the embedded SQLite default, for the subset that proves it."""
    yield from start(test_databases.create("masterdata", kind="sqlite"))


@pytest.fixture
def fresh_masterdata(test_databases: TestDatabases) -> Iterator[Masterdata]:
    """A masterdata server on a database of its own (for tests that damage it)."""
    yield from start(test_databases.create("masterdata"))
