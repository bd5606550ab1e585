"""The graph's enums (names as in the contract; UNKNOWN marks a status whose owner is down)."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum
class ProductKind(enum.Enum):
    FINISHED = "FINISHED"
    SUBASSEMBLY = "SUBASSEMBLY"
    COMPONENT = "COMPONENT"
    MATERIAL = "MATERIAL"


@strawberry.enum
class TrackingMode(enum.Enum):
    SERIAL = "SERIAL"
    LOT = "LOT"
    NONE = "NONE"


@strawberry.enum
class Uniqueness(enum.Enum):
    PRODUCT = "PRODUCT"
    GLOBAL = "GLOBAL"


@strawberry.enum
class PartyKind(enum.Enum):
    SUPPLIER = "SUPPLIER"
    CUSTOMER = "CUSTOMER"


@strawberry.enum
class LocationKind(enum.Enum):
    SITE = "SITE"
    WAREHOUSE = "WAREHOUSE"
    BIN = "BIN"
    LINE = "LINE"


@strawberry.enum
class BuildStatus(enum.Enum):
    PURCHASED = "PURCHASED"
    COMMISSIONED = "COMMISSIONED"
    IN_PROCESS = "IN_PROCESS"
    COMPLETE = "COMPLETE"
    SCRAPPED = "SCRAPPED"


@strawberry.enum
class CustodyStatus(enum.Enum):
    NONE = "NONE"
    IN_STOCK = "IN_STOCK"
    ISSUED = "ISSUED"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN", description="The warehouse could not be asked; see the response's errors."
    )


@strawberry.enum
class QualityStatus(enum.Enum):
    OK = "OK"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN", description="Quality could not be asked; see the response's errors."
    )


@strawberry.enum
class Result(enum.Enum):
    PASS = "PASS"  # noqa: S105 - a test result, not a password
    FAIL = "FAIL"


@strawberry.enum
class MovementKind(enum.Enum):
    RECEIVE = "RECEIVE"
    MOVE = "MOVE"
    ISSUE = "ISSUE"
    PACK = "PACK"
    UNPACK = "UNPACK"
    SHIP = "SHIP"
    RETURN = "RETURN"


@strawberry.enum
class PackageKind(enum.Enum):
    CARTON = "CARTON"
    PALLET = "PALLET"


@strawberry.enum
class InspectionKind(enum.Enum):
    INCOMING = "INCOMING"
    IN_PROCESS = "IN_PROCESS"
    FINAL = "FINAL"


@strawberry.enum
class Disposition(enum.Enum):
    REWORK = "REWORK"
    SCRAP = "SCRAP"
    USE_AS_IS = "USE_AS_IS"
    RETURN_TO_SUPPLIER = "RETURN_TO_SUPPLIER"


@strawberry.enum
class RecallStatus(enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@strawberry.enum
class RecallUnitState(enum.Enum):
    IN_PRODUCTION = "IN_PRODUCTION"
    IN_STOCK = "IN_STOCK"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    RECOVERED = "RECOVERED"
    DESTROYED = "DESTROYED"
