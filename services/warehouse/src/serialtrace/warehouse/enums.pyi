"""The members of serialtrace.warehouse.enums for the type checker, generated from the proto
enums by serialtrace.common.proto_enums (`make proto`): do not edit."""

from enum import StrEnum
from typing import Any

PROTO_ENUMS: tuple[Any, ...]

# serialtrace.warehouse.v1.CustodyStatus
class Custody(StrEnum):
    NONE = "NONE"
    IN_STOCK = "IN_STOCK"
    ISSUED = "ISSUED"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"

# serialtrace.warehouse.v1.MovementKind
class MovementKind(StrEnum):
    RECEIVE = "RECEIVE"
    MOVE = "MOVE"
    ISSUE = "ISSUE"
    PACK = "PACK"
    UNPACK = "UNPACK"
    SHIP = "SHIP"
    RETURN = "RETURN"

# serialtrace.warehouse.v1.PackageKind
class PackageKind(StrEnum):
    CARTON = "CARTON"
    PALLET = "PALLET"
