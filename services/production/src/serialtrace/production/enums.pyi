"""The members of serialtrace.production.enums for the type checker, generated from the proto
enums by serialtrace.common.proto_enums (`make proto`): do not edit."""

from enum import StrEnum
from typing import Any

PROTO_ENUMS: tuple[Any, ...]

# serialtrace.production.v1.BuildStatus
class BuildStatus(StrEnum):
    COMMISSIONED = "COMMISSIONED"
    IN_PROCESS = "IN_PROCESS"
    COMPLETE = "COMPLETE"
    SCRAPPED = "SCRAPPED"

# serialtrace.production.v1.WorkOrderStatus
class WorkOrderStatus(StrEnum):
    RELEASED = "RELEASED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
