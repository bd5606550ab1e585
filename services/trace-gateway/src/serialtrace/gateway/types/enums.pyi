"""The members of the graph's enums for the type checker, generated from the
services' proto enums: do not edit.

`make proto` rewrites this file (`python -m serialtrace.gateway.proto_enums`); enums.py
builds the same enums from the proto descriptors at import, as serialtrace/gateway/
proto_enums.py lists them.
"""

import enum

import strawberry

# serialtrace.masterdata.v1.ProductKind
@strawberry.enum
class ProductKind(enum.Enum):
    FINISHED = "FINISHED"
    SUBASSEMBLY = "SUBASSEMBLY"
    COMPONENT = "COMPONENT"
    MATERIAL = "MATERIAL"

# serialtrace.masterdata.v1.TrackingMode
@strawberry.enum
class TrackingMode(enum.Enum):
    SERIAL = "SERIAL"
    LOT = "LOT"
    NONE = "NONE"

# serialtrace.masterdata.v1.Uniqueness
@strawberry.enum
class Uniqueness(enum.Enum):
    PRODUCT = "PRODUCT"
    GLOBAL = "GLOBAL"

# serialtrace.masterdata.v1.PartyKind
@strawberry.enum
class PartyKind(enum.Enum):
    SUPPLIER = "SUPPLIER"
    CUSTOMER = "CUSTOMER"

# serialtrace.masterdata.v1.LocationKind
@strawberry.enum
class LocationKind(enum.Enum):
    SITE = "SITE"
    WAREHOUSE = "WAREHOUSE"
    BIN = "BIN"
    LINE = "LINE"

# serialtrace.production.v1.BuildStatus
@strawberry.enum
class BuildStatus(enum.Enum):
    PURCHASED = "PURCHASED"
    COMMISSIONED = "COMMISSIONED"
    IN_PROCESS = "IN_PROCESS"
    COMPLETE = "COMPLETE"
    SCRAPPED = "SCRAPPED"

# serialtrace.warehouse.v1.CustodyStatus
@strawberry.enum
class CustodyStatus(enum.Enum):
    NONE = "NONE"
    IN_STOCK = "IN_STOCK"
    ISSUED = "ISSUED"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    UNKNOWN = "UNKNOWN"

# serialtrace.quality.v1.QualityStatus
@strawberry.enum
class QualityStatus(enum.Enum):
    OK = "OK"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"

# serialtrace.core.v1.Result
@strawberry.enum
class Result(enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"

# serialtrace.warehouse.v1.MovementKind
@strawberry.enum
class MovementKind(enum.Enum):
    RECEIVE = "RECEIVE"
    MOVE = "MOVE"
    ISSUE = "ISSUE"
    PACK = "PACK"
    UNPACK = "UNPACK"
    SHIP = "SHIP"
    RETURN = "RETURN"

# serialtrace.warehouse.v1.PackageKind
@strawberry.enum
class PackageKind(enum.Enum):
    CARTON = "CARTON"
    PALLET = "PALLET"

# serialtrace.quality.v1.InspectionKind
@strawberry.enum
class InspectionKind(enum.Enum):
    INCOMING = "INCOMING"
    IN_PROCESS = "IN_PROCESS"
    FINAL = "FINAL"

# serialtrace.quality.v1.Disposition
@strawberry.enum
class Disposition(enum.Enum):
    REWORK = "REWORK"
    SCRAP = "SCRAP"
    USE_AS_IS = "USE_AS_IS"
    RETURN_TO_SUPPLIER = "RETURN_TO_SUPPLIER"

# serialtrace.quality.v1.RecallStatus
@strawberry.enum
class RecallStatus(enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"

# serialtrace.quality.v1.RecallUnitState
@strawberry.enum
class RecallUnitState(enum.Enum):
    IN_PRODUCTION = "IN_PRODUCTION"
    IN_STOCK = "IN_STOCK"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    RECOVERED = "RECOVERED"
    DESTROYED = "DESTROYED"

# serialtrace.masterdata.v1.ImportBatchState
@strawberry.enum
class ImportBatchState(enum.Enum):
    CHECKED = "CHECKED"
    APPLYING = "APPLYING"
    APPLIED = "APPLIED"
    VERIFIED = "VERIFIED"
    ROLLED_BACK = "ROLLED_BACK"
