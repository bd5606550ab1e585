"""Every query of the contract. Each needs a token; the audit ones need auditor/quality."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import strawberry

from serialtrace.common import gs1
from serialtrace.common.errors import Conflict, InvalidArgument, NotFound
from serialtrace.common.ledger_messages import CHECKPOINT_SIGNERS
from serialtrace.common.timeutil import from_timestamp
from serialtrace.common.validation import quote
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway import evidence, plan
from serialtrace.gateway import governance as governance_indicators
from serialtrace.gateway.backends import ALL_SERVICES
from serialtrace.gateway.context import Ctx, GatewayContext
from serialtrace.gateway.facts import settle
from serialtrace.gateway.governance import Governance
from serialtrace.gateway.imports import ImportQueries
from serialtrace.gateway.inputs import LotKey, UnitKey
from serialtrace.gateway.types.audit import (
    AUDIT_READERS,
    AuditEntry,
    EvidencePackage,
    LedgerVerification,
)
from serialtrace.gateway.types.lot import Lot, where_used
from serialtrace.gateway.types.masterdata import Product
from serialtrace.gateway.types.quality import Recall
from serialtrace.gateway.types.scans import (
    Gs1Element,
    ScanKind,
    ScanResult,
    expiry_is_checked,
    expiry_warnings,
)
from serialtrace.gateway.types.unit import Unit, UnitConnection
from serialtrace.gateway.types.warehouse import Package, package_of
from serialtrace.masterdata.v1 import masterdata_pb2 as md

T = TypeVar("T")
M = TypeVar("M")


def _made(make: Callable[[M], T], message: M | None) -> T | None:
    return make(message) if message is not None else None


def _ctx(info: Ctx) -> GatewayContext:
    return info.context


async def _unit(info: Ctx, sku: str, serial: str) -> Unit | None:
    """The unit if masterdata registered it; with its selection fetched when `info` is
    the unit field's own (a trace), lazily otherwise (a scan's result)."""
    _ctx(info).caller()
    facts = _ctx(info).facts
    key = (sku, serial)
    return await settle(
        facts.read(
            info, "unit", key, lambda: Unit(sku=sku, serial=serial) if key in facts.units else None
        )
    )


async def _lot(info: Ctx, sku: str, lot_number: str) -> Lot | None:
    facts = _ctx(info).facts
    key = (sku, lot_number)
    return await settle(
        facts.read(
            info,
            "lot",
            key,
            lambda: Lot(sku=sku, lot_number=lot_number) if key in facts.lots else None,
        )
    )


async def scan_code(info: Ctx, code: str) -> ScanResult:
    """What a scanner read: GS1 element string, Digital Link, SSCC, or an alias value.

    The unit (01+21), the lot (01+10), the package (00) or the product (01 alone);
    every AI read comes back in `elements`, and what the label says against our
    records (an expiry that is not the lot's) in `warnings`.
    """
    context = _ctx(info)
    context.caller()
    try:
        scanned = gs1.parse_scan(code)
    except gs1.Gs1Error as error:
        raise InvalidArgument(f"not a valid GS1 code: {error}") from None
    kind = scanned.kind
    elements = [Gs1Element(ai=ai, title=gs1.ai_title(ai), value=v) for ai, v in scanned.ais.items()]
    if kind is gs1.ScanCodeKind.PACKAGE:
        package = await settle(package_of(info, scanned.sscc or ""))
        if package is None:
            raise NotFound(f"no package has the SSCC {scanned.sscc}")
        return ScanResult(kind=ScanKind.PACKAGE, package=package, elements=elements)
    if kind is gs1.ScanCodeKind.ALIAS:
        return await _scan_alias(info, scanned.raw)
    # The product, the unit or lot, and the lot's recorded expiry in one round trip: a
    # scan is on a scanner's critical path.
    wants_lot = kind is gs1.ScanCodeKind.LOT or expiry_is_checked(scanned)
    found = await context.calls.read(
        "masterdata",
        "ResolveGs1Key",
        md.ResolveGs1KeyRequest(
            gtin=scanned.gtin or "",
            serial=(scanned.serial or "") if kind is gs1.ScanCodeKind.UNIT else "",
            lot_number=(scanned.lot or "") if wants_lot else "",
        ),
    )
    if not found.HasField("product"):
        raise NotFound(f"no product has the GTIN {scanned.gtin}")
    sku = found.product.sku
    lot = found.lot if found.HasField("lot") else None
    unit_found = found.unit if found.HasField("unit") else None
    context.facts.know(found.product, unit_found, lot)
    warnings = expiry_warnings(sku, scanned, lot)
    if kind is gs1.ScanCodeKind.UNIT:
        if unit_found is None:
            raise NotFound(f"{sku} (GTIN {scanned.gtin}) has no unit {scanned.serial}")
        unit = Unit(sku=sku, serial=unit_found.serial)
        return ScanResult(kind=ScanKind.UNIT, unit=unit, elements=elements, warnings=warnings)
    if kind is gs1.ScanCodeKind.LOT:
        if lot is None:
            raise NotFound(f"{sku} (GTIN {scanned.gtin}) has no lot {scanned.lot}")
        found_lot = Lot(sku=sku, lot_number=lot.lot_number)
        return ScanResult(kind=ScanKind.LOT, lot=found_lot, elements=elements, warnings=warnings)
    return ScanResult(
        kind=ScanKind.PRODUCT,
        product=Product.of(found.product),
        elements=elements,
        warnings=warnings,
    )


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
            f"{quote(value)} is not a GS1 code, and no unit has it as an alias or serial"
        )
    if len(units) > 1:
        named = ", ".join(f"{sku}/{serial}" for sku, serial in units[:5])
        raise Conflict(
            f"{quote(value)} names {len(units)} units ({named}); scan the GS1 code or "
            "query unitByAlias with the alias kind"
        )
    return ScanResult(kind=ScanKind.UNIT, unit=Unit(sku=units[0][0], serial=units[0][1]))


@strawberry.type
class Query(ImportQueries):
    @strawberry.field(description="The single serial trace across all four services.")
    async def unit(self, info: Ctx, sku: str, serial: str) -> Unit | None:
        _ctx(info).caller()
        await plan.prefetch(info, units=[(sku, serial)])
        return await _unit(info, sku, serial)

    @strawberry.field
    async def find_units(self, info: Ctx, serial: str) -> list[Unit]:
        _ctx(info).caller()
        reply = await _ctx(info).calls.read(
            "masterdata", "FindUnitsBySerial", md.FindUnitsBySerialRequest(serial=serial)
        )
        units = [Unit(sku=u.sku, serial=u.serial) for u in reply.units]
        await plan.prefetch(info, units=[u.key for u in units])
        return units

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
        await plan.prefetch(info, lots=[(sku, lot_number)], as_lots=True)
        return await _lot(info, sku, lot_number)

    @strawberry.field
    async def package(self, info: Ctx, sscc: str) -> Package | None:
        _ctx(info).caller()
        return await settle(package_of(info, sscc))

    @strawberry.field
    async def product(self, info: Ctx, sku: str) -> Product | None:
        _ctx(info).caller()
        facts = _ctx(info).facts
        return await settle(
            facts.read(info, "product", sku, lambda: _made(Product.of, facts.products.get(sku)))
        )

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
        facts, key = _ctx(info).facts, str(id)
        return await settle(
            facts.read(info, "recall", key, lambda: _made(Recall.of, facts.recalls.get(key)))
        )

    @strawberry.field
    async def audit_trail(
        self, info: Ctx, service: str, entity_type: str, entity_id: str
    ) -> list[AuditEntry]:
        _ctx(info).require(AUDIT_READERS, "auditTrail")
        if service not in ALL_SERVICES:
            raise InvalidArgument(
                f"service must be one of {', '.join(ALL_SERVICES)}, got {service!r}"
            )
        reply = await _ctx(info).calls.read_ledger(
            service,
            "ListAuditEntries",
            core_pb2.ListAuditEntriesRequest(entity_type=entity_type, entity_ids=[entity_id]),
        )
        return [AuditEntry.of(e) for e in reply.entries]

    @strawberry.field(
        description="The data-governance indicators (auditor, quality or admin), computed "
        "from every service; also published as Prometheus gauges. Facts that took a "
        "second or more come from the cache (see each check's computedAt) unless refresh."
    )
    async def governance(self, info: Ctx, refresh: bool = False) -> Governance:
        context = _ctx(info)
        context.require(AUDIT_READERS, "governance")
        return await governance_indicators.compute(context, refresh)

    @strawberry.field(
        description="A zip for auditors, verified offline by `serialtrace verify-evidence`: "
        "the trace, the ledger entries it rests on linked up to signed checkpoints, the "
        "checkpoints, the public key, a report (HTML, PDF) and a manifest. Give exactly one "
        "of unit, lot or recallId. Needs auditor (or admin): it signs every ledger's head."
    )
    async def evidence_package(
        self,
        info: Ctx,
        unit: UnitKey | None = None,
        lot: LotKey | None = None,
        recall_id: strawberry.ID | None = None,
    ) -> EvidencePackage:
        context = _ctx(info)
        context.require(CHECKPOINT_SIGNERS, "evidencePackage")
        subject = evidence.Subject.of(unit, lot, str(recall_id) if recall_id is not None else None)
        built = await evidence.build(context, info.schema, subject)
        return EvidencePackage(
            file_name=built.file_name,
            sha256=built.sha256,
            size_bytes=built.size_bytes,
            download_url=evidence.download_path(built),
        )

    @strawberry.field(
        description="Recomputes every service's audit chain and checks it against the "
        "signed checkpoints."
    )
    async def verify_audit_ledgers(self, info: Ctx) -> list[LedgerVerification]:
        context = _ctx(info)
        context.require(AUDIT_READERS, "verifyAuditLedgers")
        replies = await asyncio.gather(
            *(
                context.calls.read_ledger(service, "VerifyLedger", core_pb2.VerifyLedgerRequest())
                for service in ALL_SERVICES
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
                checkpoints=r.checkpoints,
                last_checkpoint_seq=r.last_checkpoint_seq or None,
                last_checkpoint_at=from_timestamp(r.last_checkpoint_at),
                unsigned_entries=r.unsigned_entries,
                key_id=r.key_id or None,
            )
            for r in replies
        ]
