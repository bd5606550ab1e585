"""The importer's connections: one gRPC channel per service at its <NAME>_ADDR, each
call carrying the caller's bearer token and a deadline; failures become ServiceError."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import grpc

from serialtrace.common.client import CHANNEL_OPTIONS
from serialtrace.common.config import service_addr
from serialtrace.common.errors import from_rpc_error
from serialtrace.core.v1 import core_pb2
from serialtrace.importer.checking import ProductInfo
from serialtrace.importer.rules import LotKey, UnitKey
from serialtrace.masterdata.v1 import masterdata_pb2 as md_pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as prod_pb
from serialtrace.production.v1 import production_pb2_grpc as prod_grpc
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

DEADLINE_SECONDS = 60.0
# The services accept at most 10,000 keys a read; smaller reads keep each reply small.
READ_CHUNK = 1_000


class Stub:
    """`stub.BatchGetUnits(request)`: the RPC with the token, a deadline, and our errors."""

    def __init__(self, service: str, stub: Any, token: str) -> None:
        self.service, self._stub = service, stub
        self._metadata = (("authorization", f"Bearer {token}"),)

    def __getattr__(self, rpc: str) -> Callable[..., Any]:
        method = getattr(self._stub, rpc)

        def call(request: Any, timeout: float = DEADLINE_SECONDS) -> Any:
            try:
                return method(request, metadata=self._metadata, timeout=timeout)
            except grpc.RpcError as error:
                raise from_rpc_error(error, self.service) from None

        return call


class Services:
    """Stubs of masterdata, production, warehouse and quality for one token."""

    def __init__(self, token: str, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self._channels: list[grpc.Channel] = []

        def channel(name: str) -> grpc.Channel:
            address = service_addr(name, env).replace("0.0.0.0", "127.0.0.1")  # noqa: S104
            opened = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
            self._channels.append(opened)
            return opened

        self.masterdata = Stub(
            "masterdata", md_grpc.MasterdataServiceStub(channel("masterdata")), token
        )
        self.production = Stub(
            "production", prod_grpc.ProductionServiceStub(channel("production")), token
        )
        self.warehouse = Stub(
            "warehouse", wh_grpc.WarehouseServiceStub(channel("warehouse")), token
        )

        self.quality = Stub("quality", qa_grpc.QualityServiceStub(channel("quality")), token)

    def close(self) -> None:
        for channel in self._channels:
            channel.close()


def _replies(
    items: list[Any], call: Callable[[Any], Any], request: Callable[[Any], Any]
) -> Iterator[Any]:
    """`call` once per READ_CHUNK items, each with `request(chunk)`; the replies in order."""
    for start in range(0, len(items), READ_CHUNK):
        yield call(request(items[start : start + READ_CHUNK]))


def _units(chunk: list[UnitKey]) -> list[core_pb2.UnitKey]:
    return [core_pb2.UnitKey(sku=s, serial=n) for s, n in chunk]


class GrpcCatalog:
    """The dry run's view of the database, through the services' batch read RPCs."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def products(self, skus: list[str]) -> dict[str, ProductInfo]:
        from serialtrace.common.protomap import enum_str

        replies = _replies(
            skus,
            self.services.masterdata.BatchGetProducts,
            lambda chunk: md_pb.BatchGetProductsRequest(skus=chunk),
        )
        return {
            p.sku: ProductInfo(
                enum_str(md_pb.TrackingMode, p.tracking),
                p.serial_pattern,
                enum_str(md_pb.Uniqueness, p.uniqueness) or "PRODUCT",
                tuple(p.required_attributes),
                enum_str(md_pb.ProductKind, p.kind),
            )
            for reply in replies
            for p in reply.products
        }

    def parties(self, codes: list[str]) -> dict[str, str]:
        from serialtrace.common.protomap import enum_str

        replies = _replies(
            codes,
            self.services.masterdata.BatchGetParties,
            lambda chunk: md_pb.BatchGetPartiesRequest(codes=chunk),
        )
        return {p.code: enum_str(md_pb.PartyKind, p.kind) for r in replies for p in r.parties}

    def party_glns(self, glns: list[str]) -> dict[str, str]:
        replies = _replies(
            glns,
            self.services.masterdata.BatchGetByGln,
            lambda chunk: md_pb.BatchGetByGlnRequest(glns=chunk),
        )
        return {p.gln: p.code for reply in replies for p in reply.parties}

    def locations(self, codes: list[str]) -> set[str]:
        replies = _replies(
            codes,
            self.services.masterdata.BatchGetLocations,
            lambda chunk: md_pb.BatchGetLocationsRequest(codes=chunk),
        )
        return {loc.code for reply in replies for loc in reply.locations}

    def bom_revisions(self, skus: list[str]) -> dict[tuple[str, str], set[str]]:
        replies = _replies(
            skus,
            self.services.masterdata.BatchGetBomRevisions,
            lambda chunk: md_pb.BatchGetBomRevisionsRequest(skus=chunk),
        )
        return {
            (bom.sku, bom.revision): {i.sku for i in bom.items}
            for reply in replies
            for bom in reply.bom_revisions
        }

    def lots(self, keys: list[LotKey]) -> set[LotKey]:
        replies = _replies(
            keys,
            self.services.masterdata.BatchGetLots,
            lambda chunk: md_pb.BatchGetLotsRequest(
                keys=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in chunk]
            ),
        )
        return {(lot.sku, lot.lot_number) for reply in replies for lot in reply.lots}

    def units(self, keys: list[UnitKey]) -> set[UnitKey]:
        replies = _replies(
            keys,
            self.services.masterdata.BatchGetUnits,
            lambda chunk: md_pb.BatchGetUnitsRequest(keys=_units(chunk)),
        )
        return {(u.sku, u.serial) for reply in replies for u in reply.units}

    def current_parents(self, keys: list[UnitKey]) -> dict[UnitKey, UnitKey]:
        replies = _replies(
            keys,
            self.services.production.BatchGetUnitBuilds,
            lambda chunk: prod_pb.BatchGetUnitBuildsRequest(units=_units(chunk)),
        )
        return {
            (build.unit.sku, build.unit.serial): (build.installed_in.sku, build.installed_in.serial)
            for reply in replies
            for build in reply.builds
            if build.installed_in.sku
        }
