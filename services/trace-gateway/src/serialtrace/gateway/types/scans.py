"""What a scanned code is, and the outcome of a scanner's queued scans."""

from __future__ import annotations

import enum

import strawberry

from serialtrace.gateway.types.lot import Lot
from serialtrace.gateway.types.masterdata import Product
from serialtrace.gateway.types.unit import Unit
from serialtrace.gateway.types.warehouse import Package


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
