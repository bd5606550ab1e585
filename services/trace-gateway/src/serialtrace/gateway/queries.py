"""Every query of the contract. Each needs a token; the audit ones need auditor/quality."""

from __future__ import annotations

import asyncio

import strawberry

from serialtrace.common import gs1
from serialtrace.common.errors import Conflict, InvalidArgument, NotFound
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES
from serialtrace.gateway.context import GatewayContext
from serialtrace.gateway.imports import ImportQueries
from serialtrace.gateway.types import (
    AUDIT_READERS,
    AuditEntry,
    Ctx,
    LedgerVerification,
    Lot,
    Package,
    Product,
    Recall,
    ScanKind,
    ScanResult,
    Unit,
    UnitConnection,
    load_package,
    where_used,
)
from serialtrace.masterdata.v1 import masterdata_pb2 as md


def _ctx(info: Ctx) -> GatewayContext:
    return info.context


async def _unit(info: Ctx, sku: str, serial: str) -> Unit | None:
    _ctx(info).caller()
    found = await _ctx(info).loaders.unit.load((sku, serial))
    return Unit(sku=sku, serial=serial) if found else None


async def _lot(info: Ctx, sku: str, lot_number: str) -> Lot | None:
    found = await _ctx(info).loaders.lot.load((sku, lot_number))
    return Lot(sku=sku, lot_number=lot_number) if found else None


async def _product_by_gtin(info: Ctx, gtin: str) -> md.Product:
    product: md.Product | None = await _ctx(info).loaders.product_by_gtin.load(gtin)
    if product is None:
        raise NotFound(f"no product has the GTIN {gtin}")
    return product


async def scan_code(info: Ctx, code: str) -> ScanResult:
    """What a scanner read: GS1 element string, Digital Link, SSCC, or an alias value."""
    context = _ctx(info)
    context.caller()
    try:
        scanned = gs1.parse_scan(code)
    except gs1.Gs1Error as error:
        raise InvalidArgument(f"not a valid GS1 code: {error}") from None
    kind = scanned.kind
    if kind is gs1.ScanCodeKind.PACKAGE:
        package = await load_package(info, scanned.sscc or "")
        if package is None:
            raise NotFound(f"no package has the SSCC {scanned.sscc}")
        return ScanResult(kind=ScanKind.PACKAGE, package=package)
    if kind is gs1.ScanCodeKind.ALIAS:
        return await _scan_alias(info, scanned.raw)
    product = await _product_by_gtin(info, scanned.gtin or "")
    if kind is gs1.ScanCodeKind.UNIT:
        unit = await _unit(info, product.sku, scanned.serial or "")
        if unit is None:
            raise NotFound(f"{product.sku} (GTIN {scanned.gtin}) has no unit {scanned.serial}")
        return ScanResult(kind=ScanKind.UNIT, unit=unit)
    if kind is gs1.ScanCodeKind.LOT:
        lot = await _lot(info, product.sku, scanned.lot or "")
        if lot is None:
            raise NotFound(f"{product.sku} (GTIN {scanned.gtin}) has no lot {scanned.lot}")
        return ScanResult(kind=ScanKind.LOT, lot=lot)
    return ScanResult(kind=ScanKind.PRODUCT, product=Product.of(product))


async def _scan_alias(info: Ctx, value: str) -> ScanResult:
    """Not GS1: an alias of exactly one unit (any kind), else a serial of exactly one."""
    calls = _ctx(info).calls
    reply = await calls.read(
        "masterdata",
        "ResolveAliases",
        md.ResolveAliasesRequest(aliases=[md.UnitAlias(kind="", value=value)]),
    )
    units = sorted({(r.unit.sku, r.unit.serial) for r in reply.resolved})
    if not units:
        found = await calls.read(
            "masterdata", "FindUnitsBySerial", md.FindUnitsBySerialRequest(serial=value)
        )
        units = sorted({(u.sku, u.serial) for u in found.units})
    if not units:
        raise NotFound(
            f"{value[:60]!r} is not a GS1 code, and no unit has it as an alias or serial"
        )
    if len(units) > 1:
        named = ", ".join(f"{sku}/{serial}" for sku, serial in units[:5])
        raise Conflict(
            f"{value[:60]!r} names {len(units)} units ({named}); scan the GS1 code or "
            "query unitByAlias with the alias kind"
        )
    return ScanResult(kind=ScanKind.UNIT, unit=Unit(sku=units[0][0], serial=units[0][1]))


@strawberry.type
class Query(ImportQueries):
    @strawberry.field(description="The single serial trace across all four services.")
    async def unit(self, info: Ctx, sku: str, serial: str) -> Unit | None:
        return await _unit(info, sku, serial)

    @strawberry.field
    async def find_units(self, info: Ctx, serial: str) -> list[Unit]:
        _ctx(info).caller()
        reply = await _ctx(info).calls.read(
            "masterdata", "FindUnitsBySerial", md.FindUnitsBySerialRequest(serial=serial)
        )
        return [Unit(sku=u.sku, serial=u.serial) for u in reply.units]

    @strawberry.field
    async def unit_by_alias(self, info: Ctx, kind: str, value: str) -> Unit | None:
        _ctx(info).caller()
        if not kind.strip():
            raise InvalidArgument("kind is required, e.g. MAC, IMEI, CUSTOMER_TAG")
        reply = await _ctx(info).calls.read(
            "masterdata",
            "ResolveAliases",
            md.ResolveAliasesRequest(aliases=[md.UnitAlias(kind=kind, value=value)]),
        )
        if not reply.resolved:
            return None
        return Unit(sku=reply.resolved[0].unit.sku, serial=reply.resolved[0].unit.serial)

    @strawberry.field
    async def scan(self, info: Ctx, code: str) -> ScanResult:
        return await scan_code(info, code)

    @strawberry.field
    async def lot(self, info: Ctx, sku: str, lot_number: str) -> Lot | None:
        _ctx(info).caller()
        return await _lot(info, sku, lot_number)

    @strawberry.field
    async def package(self, info: Ctx, sscc: str) -> Package | None:
        _ctx(info).caller()
        return await load_package(info, sscc)

    @strawberry.field
    async def product(self, info: Ctx, sku: str) -> Product | None:
        _ctx(info).caller()
        found = await _ctx(info).loaders.product.load(sku)
        return Product.of(found) if found else None

    @strawberry.field(description="Top-level units containing the lot at any depth (forward).")
    async def where_used(
        self,
        info: Ctx,
        sku: str,
        lot_number: str,
        first: int | None = 100,
        after: str | None = None,
    ) -> UnitConnection:
        _ctx(info).caller()
        return await where_used(info, (sku, lot_number), first, after)

    @strawberry.field
    async def recall(self, info: Ctx, id: strawberry.ID) -> Recall | None:
        _ctx(info).caller()
        found = await _ctx(info).loaders.recall.load(str(id))
        return Recall.of(found) if found else None

    @strawberry.field
    async def audit_trail(
        self, info: Ctx, service: str, entity_type: str, entity_id: str
    ) -> list[AuditEntry]:
        _ctx(info).require(AUDIT_READERS, "auditTrail")
        if service not in SERVICES:
            raise InvalidArgument(f"service must be one of {', '.join(SERVICES)}, got {service!r}")
        reply = await _ctx(info).calls.read_ledger(
            service,
            "ListAuditEntries",
            core_pb2.ListAuditEntriesRequest(entity_type=entity_type, entity_ids=[entity_id]),
        )
        return [AuditEntry.of(e) for e in reply.entries]

    @strawberry.field(description="Recomputes every service's audit chain.")
    async def verify_audit_ledgers(self, info: Ctx) -> list[LedgerVerification]:
        context = _ctx(info)
        context.require(AUDIT_READERS, "verifyAuditLedgers")
        replies = await asyncio.gather(
            *(
                context.calls.read_ledger(service, "VerifyLedger", core_pb2.VerifyLedgerRequest())
                for service in SERVICES
            )
        )
        return [
            LedgerVerification(
                service=r.service,
                entries=r.entries,
                ok=r.ok,
                head_hash=r.head_hash or None,
                first_broken_seq=r.first_broken_seq or None,
                problem=r.problem or None,
            )
            for r in replies
        ]
