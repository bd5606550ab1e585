"""What a scanned code is, and the outcome of a scanner's queued scans."""

from __future__ import annotations

import enum
from datetime import UTC

import strawberry

from serialtrace.common import gs1
from serialtrace.gateway.types.lot import Lot
from serialtrace.gateway.types.masterdata import Product
from serialtrace.gateway.types.unit import Unit
from serialtrace.gateway.types.warehouse import Package
from serialtrace.masterdata.v1 import masterdata_pb2 as md


@strawberry.enum
class ScanKind(enum.Enum):
    UNIT = "UNIT"
    LOT = "LOT"
    PACKAGE = "PACKAGE"
    PRODUCT = strawberry.enum_value("PRODUCT", description="A GTIN alone: the product.")


@strawberry.type(name="GS1Element")
class Gs1Element:
    ai: str
    title: str = strawberry.field(description="GS1's data title of the AI, e.g. BATCH/LOT.")
    value: str


@strawberry.type
class ScanResult:
    kind: ScanKind
    unit: Unit | None = None
    lot: Lot | None = None
    package: Package | None = None
    product: Product | None = strawberry.field(
        default=None, description="The product, when the code was a GTIN alone."
    )
    elements: list[Gs1Element] = strawberry.field(
        default_factory=list, description="Every AI the scan carried, with its GS1 data title."
    )
    warnings: list[str] = strawberry.field(
        default_factory=list,
        description="What the label says that disagrees with our records, e.g. an expiry "
        "date (17) other than the lot's recorded expiry.",
    )


@strawberry.type
class ScanOutcome:
    idempotency_key: str
    ok: bool
    error_code: str | None = None
    message: str | None = None


def expiry_is_checked(scanned: gs1.ScanCode) -> bool:
    """A label with a lot (10) and an expiry (17) is checked against the lot's record
    (the parser has checked that (17) is a date; `expiry_warnings` reads it, once)."""
    return scanned.lot is not None and "17" in scanned.ais


def expiry_warnings(sku: str, scanned: gs1.ScanCode, lot: md.Lot | None) -> list[str]:
    """An expiry (17) beside a lot (10) that is not the lot's recorded expiry."""
    label_expiry = gs1.expiry_date(scanned.ais)
    if label_expiry is None or scanned.lot is None:
        return []
    if lot is None or not lot.HasField("expires_at"):
        return []
    recorded = lot.expires_at.ToDatetime(tzinfo=UTC).date()
    if recorded == label_expiry:
        return []
    return [
        f"the label's expiry (17) {label_expiry.isoformat()} disagrees with lot "
        f"{sku}/{scanned.lot}, which expires {recorded.isoformat()}"
    ]
