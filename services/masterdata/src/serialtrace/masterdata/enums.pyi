"""The members of serialtrace.masterdata.enums for the type checker, generated from the proto
enums by serialtrace.common.proto_enums (`make proto`): do not edit."""

from enum import StrEnum
from typing import Any

PROTO_ENUMS: tuple[Any, ...]

# serialtrace.masterdata.v1.ProductKind
class ProductKind(StrEnum):
    FINISHED = "FINISHED"
    SUBASSEMBLY = "SUBASSEMBLY"
    COMPONENT = "COMPONENT"
    MATERIAL = "MATERIAL"

# serialtrace.masterdata.v1.TrackingMode
class TrackingMode(StrEnum):
    SERIAL = "SERIAL"
    LOT = "LOT"
    NONE = "NONE"

# serialtrace.masterdata.v1.Uniqueness
class Uniqueness(StrEnum):
    PRODUCT = "PRODUCT"
    GLOBAL = "GLOBAL"

# serialtrace.masterdata.v1.PartyKind
class PartyKind(StrEnum):
    SUPPLIER = "SUPPLIER"
    CUSTOMER = "CUSTOMER"

# serialtrace.masterdata.v1.LocationKind
class LocationKind(StrEnum):
    SITE = "SITE"
    WAREHOUSE = "WAREHOUSE"
    BIN = "BIN"
    LINE = "LINE"

# serialtrace.masterdata.v1.UnitSource
class UnitSource(StrEnum):
    COMMISSIONED = "COMMISSIONED"
    PURCHASED = "PURCHASED"

# serialtrace.masterdata.v1.ImportBatchState
class ImportBatchState(StrEnum):
    CHECKED = "CHECKED"
    APPLYING = "APPLYING"
    APPLIED = "APPLIED"
    VERIFIED = "VERIFIED"
    ROLLED_BACK = "ROLLED_BACK"
