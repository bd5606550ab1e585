"""The members of serialtrace.quality.enums for the type checker, generated from the proto
enums by serialtrace.common.proto_enums (`make proto`): do not edit."""

from enum import StrEnum
from typing import Any

PROTO_ENUMS: tuple[Any, ...]

# serialtrace.quality.v1.InspectionKind
class InspectionKind(StrEnum):
    INCOMING = "INCOMING"
    IN_PROCESS = "IN_PROCESS"
    FINAL = "FINAL"

# serialtrace.quality.v1.Disposition
class Disposition(StrEnum):
    REWORK = "REWORK"
    SCRAP = "SCRAP"
    USE_AS_IS = "USE_AS_IS"
    RETURN_TO_SUPPLIER = "RETURN_TO_SUPPLIER"

# serialtrace.quality.v1.QualityStatus
class QualityStatus(StrEnum):
    OK = "OK"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"

# serialtrace.quality.v1.RecallUnitState
class RecallState(StrEnum):
    IN_PRODUCTION = "IN_PRODUCTION"
    IN_STOCK = "IN_STOCK"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    RECOVERED = "RECOVERED"
    DESTROYED = "DESTROYED"
