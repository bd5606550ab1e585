import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from serialtrace.core.v1 import access_pb2 as _access_pb2
from serialtrace.core.v1 import core_pb2 as _core_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BuildStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BUILD_STATUS_UNSPECIFIED: _ClassVar[BuildStatus]
    BUILD_STATUS_COMMISSIONED: _ClassVar[BuildStatus]
    BUILD_STATUS_IN_PROCESS: _ClassVar[BuildStatus]
    BUILD_STATUS_COMPLETE: _ClassVar[BuildStatus]
    BUILD_STATUS_SCRAPPED: _ClassVar[BuildStatus]

class WorkOrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORK_ORDER_STATUS_UNSPECIFIED: _ClassVar[WorkOrderStatus]
    WORK_ORDER_STATUS_RELEASED: _ClassVar[WorkOrderStatus]
    WORK_ORDER_STATUS_IN_PROGRESS: _ClassVar[WorkOrderStatus]
    WORK_ORDER_STATUS_COMPLETED: _ClassVar[WorkOrderStatus]
BUILD_STATUS_UNSPECIFIED: BuildStatus
BUILD_STATUS_COMMISSIONED: BuildStatus
BUILD_STATUS_IN_PROCESS: BuildStatus
BUILD_STATUS_COMPLETE: BuildStatus
BUILD_STATUS_SCRAPPED: BuildStatus
WORK_ORDER_STATUS_UNSPECIFIED: WorkOrderStatus
WORK_ORDER_STATUS_RELEASED: WorkOrderStatus
WORK_ORDER_STATUS_IN_PROGRESS: WorkOrderStatus
WORK_ORDER_STATUS_COMPLETED: WorkOrderStatus

class WorkOrder(_message.Message):
    __slots__ = ("id", "sku", "quantity", "bom_revision", "line", "status", "commissioned_count", "created_at", "created_by", "output_location_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    BOM_REVISION_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMMISSIONED_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    id: str
    sku: str
    quantity: int
    bom_revision: str
    line: str
    status: WorkOrderStatus
    commissioned_count: int
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    output_location_code: str
    def __init__(self, id: _Optional[str] = ..., sku: _Optional[str] = ..., quantity: _Optional[int] = ..., bom_revision: _Optional[str] = ..., line: _Optional[str] = ..., status: _Optional[_Union[WorkOrderStatus, str]] = ..., commissioned_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., output_location_code: _Optional[str] = ...) -> None: ...

class Route(_message.Message):
    __slots__ = ("sku", "operations")
    SKU_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    sku: str
    operations: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sku: _Optional[str] = ..., operations: _Optional[_Iterable[str]] = ...) -> None: ...

class OperationRecord(_message.Message):
    __slots__ = ("id", "unit", "operation", "station", "operator", "started_at", "finished_at", "result", "measurements_json", "approval")
    ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    unit: _core_pb2.UnitKey
    operation: str
    station: str
    operator: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    result: _core_pb2.Result
    measurements_json: str
    approval: _core_pb2.Signature
    def __init__(self, id: _Optional[str] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., operation: _Optional[str] = ..., station: _Optional[str] = ..., operator: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[_Union[_core_pb2.Result, str]] = ..., measurements_json: _Optional[str] = ..., approval: _Optional[_Union[_core_pb2.Signature, _Mapping]] = ...) -> None: ...

class ComponentLink(_message.Message):
    __slots__ = ("id", "parent", "component_unit", "component_lot", "quantity", "operation", "installed_at", "installed_by", "removed_at", "removed_by", "removal_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_UNIT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_LOT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_AT_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_BY_FIELD_NUMBER: _ClassVar[int]
    REMOVED_AT_FIELD_NUMBER: _ClassVar[int]
    REMOVED_BY_FIELD_NUMBER: _ClassVar[int]
    REMOVAL_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    parent: _core_pb2.UnitKey
    component_unit: _core_pb2.UnitKey
    component_lot: _core_pb2.LotKey
    quantity: float
    operation: str
    installed_at: _timestamp_pb2.Timestamp
    installed_by: str
    removed_at: _timestamp_pb2.Timestamp
    removed_by: str
    removal_reason: str
    def __init__(self, id: _Optional[str] = ..., parent: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., quantity: _Optional[float] = ..., operation: _Optional[str] = ..., installed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., installed_by: _Optional[str] = ..., removed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., removed_by: _Optional[str] = ..., removal_reason: _Optional[str] = ...) -> None: ...

class UnitBuild(_message.Message):
    __slots__ = ("unit", "status", "work_order_id", "installed_in", "completed_at")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WORK_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_IN_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    status: BuildStatus
    work_order_id: str
    installed_in: _core_pb2.UnitKey
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., status: _Optional[_Union[BuildStatus, str]] = ..., work_order_id: _Optional[str] = ..., installed_in: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetRouteRequest(_message.Message):
    __slots__ = ("route", "idempotency_key")
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    route: Route
    idempotency_key: str
    def __init__(self, route: _Optional[_Union[Route, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SetRouteResponse(_message.Message):
    __slots__ = ("route",)
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    route: Route
    def __init__(self, route: _Optional[_Union[Route, _Mapping]] = ...) -> None: ...

class BatchGetRoutesRequest(_message.Message):
    __slots__ = ("skus",)
    SKUS_FIELD_NUMBER: _ClassVar[int]
    skus: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, skus: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetRoutesResponse(_message.Message):
    __slots__ = ("routes",)
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[Route]
    def __init__(self, routes: _Optional[_Iterable[_Union[Route, _Mapping]]] = ...) -> None: ...

class CreateWorkOrderRequest(_message.Message):
    __slots__ = ("sku", "quantity", "bom_revision", "line", "idempotency_key", "output_location_code")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    BOM_REVISION_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    bom_revision: str
    line: str
    idempotency_key: str
    output_location_code: str
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ..., bom_revision: _Optional[str] = ..., line: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., output_location_code: _Optional[str] = ...) -> None: ...

class CreateWorkOrderResponse(_message.Message):
    __slots__ = ("work_order",)
    WORK_ORDER_FIELD_NUMBER: _ClassVar[int]
    work_order: WorkOrder
    def __init__(self, work_order: _Optional[_Union[WorkOrder, _Mapping]] = ...) -> None: ...

class BatchGetWorkOrdersRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetWorkOrdersResponse(_message.Message):
    __slots__ = ("work_orders",)
    WORK_ORDERS_FIELD_NUMBER: _ClassVar[int]
    work_orders: _containers.RepeatedCompositeFieldContainer[WorkOrder]
    def __init__(self, work_orders: _Optional[_Iterable[_Union[WorkOrder, _Mapping]]] = ...) -> None: ...

class CommissionUnitsRequest(_message.Message):
    __slots__ = ("work_order_id", "serials", "count", "attributes_json", "idempotency_key")
    WORK_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SERIALS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    work_order_id: str
    serials: _containers.RepeatedScalarFieldContainer[str]
    count: int
    attributes_json: str
    idempotency_key: str
    def __init__(self, work_order_id: _Optional[str] = ..., serials: _Optional[_Iterable[str]] = ..., count: _Optional[int] = ..., attributes_json: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CommissionUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class RecordOperationRequest(_message.Message):
    __slots__ = ("unit", "operation", "station", "result", "measurements_json", "started_at", "finished_at", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    operation: str
    station: str
    result: _core_pb2.Result
    measurements_json: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., operation: _Optional[str] = ..., station: _Optional[str] = ..., result: _Optional[_Union[_core_pb2.Result, str]] = ..., measurements_json: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordOperationResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: OperationRecord
    def __init__(self, record: _Optional[_Union[OperationRecord, _Mapping]] = ...) -> None: ...

class RecordOperationsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[RecordOperationRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[RecordOperationRequest, _Mapping]]] = ...) -> None: ...

class RecordOperationsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[RecordOperationOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[RecordOperationOutcome, _Mapping]]] = ...) -> None: ...

class RecordOperationOutcome(_message.Message):
    __slots__ = ("record", "error")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    record: OperationRecord
    error: _core_pb2.ItemError
    def __init__(self, record: _Optional[_Union[OperationRecord, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ApproveOperationRequest(_message.Message):
    __slots__ = ("id", "meaning", "idempotency_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    meaning: str
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., meaning: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ApproveOperationResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: OperationRecord
    def __init__(self, record: _Optional[_Union[OperationRecord, _Mapping]] = ...) -> None: ...

class BatchGetOperationsRequest(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class BatchGetOperationsResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[OperationRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[OperationRecord, _Mapping]]] = ...) -> None: ...

class InstallComponentRequest(_message.Message):
    __slots__ = ("parent", "component_unit", "component_lot", "operation", "idempotency_key")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_UNIT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_LOT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    parent: _core_pb2.UnitKey
    component_unit: _core_pb2.UnitKey
    component_lot: _core_pb2.LotQuantity
    operation: str
    idempotency_key: str
    def __init__(self, parent: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ..., operation: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class InstallComponentResponse(_message.Message):
    __slots__ = ("link",)
    LINK_FIELD_NUMBER: _ClassVar[int]
    link: ComponentLink
    def __init__(self, link: _Optional[_Union[ComponentLink, _Mapping]] = ...) -> None: ...

class InstallComponentsRequest(_message.Message):
    __slots__ = ("parent", "components", "operation", "idempotency_key")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    parent: _core_pb2.UnitKey
    components: _containers.RepeatedCompositeFieldContainer[ComponentToInstall]
    operation: str
    idempotency_key: str
    def __init__(self, parent: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., components: _Optional[_Iterable[_Union[ComponentToInstall, _Mapping]]] = ..., operation: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ComponentToInstall(_message.Message):
    __slots__ = ("unit", "lot")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotQuantity
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ...) -> None: ...

class InstallComponentsResponse(_message.Message):
    __slots__ = ("links",)
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[ComponentLink]
    def __init__(self, links: _Optional[_Iterable[_Union[ComponentLink, _Mapping]]] = ...) -> None: ...

class InstallKitsRequest(_message.Message):
    __slots__ = ("kits",)
    KITS_FIELD_NUMBER: _ClassVar[int]
    kits: _containers.RepeatedCompositeFieldContainer[InstallComponentsRequest]
    def __init__(self, kits: _Optional[_Iterable[_Union[InstallComponentsRequest, _Mapping]]] = ...) -> None: ...

class InstallKitsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[InstallKitOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[InstallKitOutcome, _Mapping]]] = ...) -> None: ...

class InstallKitOutcome(_message.Message):
    __slots__ = ("installed", "error")
    INSTALLED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    installed: InstallComponentsResponse
    error: _core_pb2.ItemError
    def __init__(self, installed: _Optional[_Union[InstallComponentsResponse, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class RemoveComponentRequest(_message.Message):
    __slots__ = ("parent", "component_unit", "component_lot", "reason", "idempotency_key")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_UNIT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_LOT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    parent: _core_pb2.UnitKey
    component_unit: _core_pb2.UnitKey
    component_lot: _core_pb2.LotKey
    reason: str
    idempotency_key: str
    def __init__(self, parent: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RemoveComponentResponse(_message.Message):
    __slots__ = ("link",)
    LINK_FIELD_NUMBER: _ClassVar[int]
    link: ComponentLink
    def __init__(self, link: _Optional[_Union[ComponentLink, _Mapping]] = ...) -> None: ...

class CompleteUnitRequest(_message.Message):
    __slots__ = ("unit", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CompleteUnitResponse(_message.Message):
    __slots__ = ("build",)
    BUILD_FIELD_NUMBER: _ClassVar[int]
    build: UnitBuild
    def __init__(self, build: _Optional[_Union[UnitBuild, _Mapping]] = ...) -> None: ...

class CompleteUnitsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[CompleteUnitRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[CompleteUnitRequest, _Mapping]]] = ...) -> None: ...

class CompleteUnitsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[CompleteUnitOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[CompleteUnitOutcome, _Mapping]]] = ...) -> None: ...

class CompleteUnitOutcome(_message.Message):
    __slots__ = ("build", "error")
    BUILD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    build: UnitBuild
    error: _core_pb2.ItemError
    def __init__(self, build: _Optional[_Union[UnitBuild, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class BatchGetUnitBuildsRequest(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class BatchGetUnitBuildsResponse(_message.Message):
    __slots__ = ("builds",)
    BUILDS_FIELD_NUMBER: _ClassVar[int]
    builds: _containers.RepeatedCompositeFieldContainer[UnitBuild]
    def __init__(self, builds: _Optional[_Iterable[_Union[UnitBuild, _Mapping]]] = ...) -> None: ...

class BatchGetComponentsRequest(_message.Message):
    __slots__ = ("units", "include_removed")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    include_removed: bool
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., include_removed: _Optional[bool] = ...) -> None: ...

class BatchGetComponentsResponse(_message.Message):
    __slots__ = ("links",)
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[ComponentLink]
    def __init__(self, links: _Optional[_Iterable[_Union[ComponentLink, _Mapping]]] = ...) -> None: ...

class GetComponentTreeRequest(_message.Message):
    __slots__ = ("unit", "include_removed")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    include_removed: bool
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., include_removed: _Optional[bool] = ...) -> None: ...

class GetComponentTreeResponse(_message.Message):
    __slots__ = ("links",)
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[ComponentLink]
    def __init__(self, links: _Optional[_Iterable[_Union[ComponentLink, _Mapping]]] = ...) -> None: ...

class BatchGetMaterialLotsRequest(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class UnitMaterialLots(_message.Message):
    __slots__ = ("unit", "lots")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class BatchGetMaterialLotsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[UnitMaterialLots]
    def __init__(self, units: _Optional[_Iterable[_Union[UnitMaterialLots, _Mapping]]] = ...) -> None: ...

class WhereUsedRequest(_message.Message):
    __slots__ = ("lot", "unit", "page_size", "page_token", "include_intermediate", "count_total", "key_columns")
    LOT_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INTERMEDIATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_TOTAL_FIELD_NUMBER: _ClassVar[int]
    KEY_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    lot: _core_pb2.LotKey
    unit: _core_pb2.UnitKey
    page_size: int
    page_token: str
    include_intermediate: bool
    count_total: bool
    key_columns: bool
    def __init__(self, lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_intermediate: _Optional[bool] = ..., count_total: _Optional[bool] = ..., key_columns: _Optional[bool] = ...) -> None: ...

class WhereUsedResponse(_message.Message):
    __slots__ = ("units", "total_count", "next_page_token", "unit_columns")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNIT_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    total_count: int
    next_page_token: str
    unit_columns: _core_pb2.UnitKeyColumns
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., total_count: _Optional[int] = ..., next_page_token: _Optional[str] = ..., unit_columns: _Optional[_Union[_core_pb2.UnitKeyColumns, _Mapping]] = ...) -> None: ...

class ImportProvenance(_message.Message):
    __slots__ = ("import_batch_id", "file", "row")
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    file: str
    row: int
    def __init__(self, import_batch_id: _Optional[str] = ..., file: _Optional[str] = ..., row: _Optional[int] = ...) -> None: ...

class ImportedUnitBuild(_message.Message):
    __slots__ = ("unit", "status", "created_at", "provenance", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    status: BuildStatus
    created_at: _timestamp_pb2.Timestamp
    provenance: ImportProvenance
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., status: _Optional[_Union[BuildStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provenance: _Optional[_Union[ImportProvenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportUnitBuildsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedUnitBuild]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedUnitBuild, _Mapping]]] = ...) -> None: ...

class ImportUnitBuildOutcome(_message.Message):
    __slots__ = ("build", "error")
    BUILD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    build: UnitBuild
    error: _core_pb2.ItemError
    def __init__(self, build: _Optional[_Union[UnitBuild, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportUnitBuildsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportUnitBuildOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportUnitBuildOutcome, _Mapping]]] = ...) -> None: ...

class ImportedComponentLink(_message.Message):
    __slots__ = ("parent", "component_unit", "component_lot", "installed_at", "installed_by", "removed_at", "removal_reason", "provenance", "idempotency_key")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_UNIT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_LOT_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_AT_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_BY_FIELD_NUMBER: _ClassVar[int]
    REMOVED_AT_FIELD_NUMBER: _ClassVar[int]
    REMOVAL_REASON_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    parent: _core_pb2.UnitKey
    component_unit: _core_pb2.UnitKey
    component_lot: _core_pb2.LotQuantity
    installed_at: _timestamp_pb2.Timestamp
    installed_by: str
    removed_at: _timestamp_pb2.Timestamp
    removal_reason: str
    provenance: ImportProvenance
    idempotency_key: str
    def __init__(self, parent: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., component_lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ..., installed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., installed_by: _Optional[str] = ..., removed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., removal_reason: _Optional[str] = ..., provenance: _Optional[_Union[ImportProvenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportComponentLinksRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedComponentLink]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedComponentLink, _Mapping]]] = ...) -> None: ...

class ImportComponentLinkOutcome(_message.Message):
    __slots__ = ("link", "error")
    LINK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    link: ComponentLink
    error: _core_pb2.ItemError
    def __init__(self, link: _Optional[_Union[ComponentLink, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportComponentLinksResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportComponentLinkOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportComponentLinkOutcome, _Mapping]]] = ...) -> None: ...

class ImportedOperation(_message.Message):
    __slots__ = ("unit", "operation", "station", "operator", "started_at", "finished_at", "result", "measurements_json", "approval", "provenance", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    operation: str
    station: str
    operator: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    result: _core_pb2.Result
    measurements_json: str
    approval: _core_pb2.Signature
    provenance: ImportProvenance
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., operation: _Optional[str] = ..., station: _Optional[str] = ..., operator: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[_Union[_core_pb2.Result, str]] = ..., measurements_json: _Optional[str] = ..., approval: _Optional[_Union[_core_pb2.Signature, _Mapping]] = ..., provenance: _Optional[_Union[ImportProvenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportOperationsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedOperation]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedOperation, _Mapping]]] = ...) -> None: ...

class ImportOperationOutcome(_message.Message):
    __slots__ = ("record", "error")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    record: OperationRecord
    error: _core_pb2.ItemError
    def __init__(self, record: _Optional[_Union[OperationRecord, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportOperationsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportOperationOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportOperationOutcome, _Mapping]]] = ...) -> None: ...

class CountImportedFactsRequest(_message.Message):
    __slots__ = ("import_batch_id",)
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    def __init__(self, import_batch_id: _Optional[str] = ...) -> None: ...

class ImportedFactCount(_message.Message):
    __slots__ = ("file", "entity_type", "count")
    FILE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    file: str
    entity_type: str
    count: int
    def __init__(self, file: _Optional[str] = ..., entity_type: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class CountImportedFactsResponse(_message.Message):
    __slots__ = ("counts",)
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[ImportedFactCount]
    def __init__(self, counts: _Optional[_Iterable[_Union[ImportedFactCount, _Mapping]]] = ...) -> None: ...

class RollBackImportRequest(_message.Message):
    __slots__ = ("import_batch_id", "dry_run", "idempotency_key")
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    dry_run: bool
    idempotency_key: str
    def __init__(self, import_batch_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RollBackImportResponse(_message.Message):
    __slots__ = ("dependents", "taken_back")
    DEPENDENTS_FIELD_NUMBER: _ClassVar[int]
    TAKEN_BACK_FIELD_NUMBER: _ClassVar[int]
    dependents: _containers.RepeatedScalarFieldContainer[str]
    taken_back: _containers.RepeatedCompositeFieldContainer[ImportedFactCount]
    def __init__(self, dependents: _Optional[_Iterable[str]] = ..., taken_back: _Optional[_Iterable[_Union[ImportedFactCount, _Mapping]]] = ...) -> None: ...

class VerifyImportedGenealogyRequest(_message.Message):
    __slots__ = ("import_batch_id",)
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    def __init__(self, import_batch_id: _Optional[str] = ...) -> None: ...

class VerifyImportedGenealogyResponse(_message.Message):
    __slots__ = ("links", "problems")
    LINKS_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    links: int
    problems: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, links: _Optional[int] = ..., problems: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTraceFactsRequest(_message.Message):
    __slots__ = ("units", "depth", "builds", "work_orders", "operations", "components", "include_removed", "material_lots", "audit_entries")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    BUILDS_FIELD_NUMBER: _ClassVar[int]
    WORK_ORDERS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_LOTS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    depth: int
    builds: bool
    work_orders: bool
    operations: bool
    components: bool
    include_removed: bool
    material_lots: bool
    audit_entries: bool
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., depth: _Optional[int] = ..., builds: _Optional[bool] = ..., work_orders: _Optional[bool] = ..., operations: _Optional[bool] = ..., components: _Optional[bool] = ..., include_removed: _Optional[bool] = ..., material_lots: _Optional[bool] = ..., audit_entries: _Optional[bool] = ...) -> None: ...

class GetTraceFactsResponse(_message.Message):
    __slots__ = ("builds", "work_orders", "operations", "links", "material_lots", "audit_entries")
    BUILDS_FIELD_NUMBER: _ClassVar[int]
    WORK_ORDERS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_LOTS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    builds: _containers.RepeatedCompositeFieldContainer[UnitBuild]
    work_orders: _containers.RepeatedCompositeFieldContainer[WorkOrder]
    operations: _containers.RepeatedCompositeFieldContainer[OperationRecord]
    links: _containers.RepeatedCompositeFieldContainer[ComponentLink]
    material_lots: _containers.RepeatedCompositeFieldContainer[UnitMaterialLots]
    audit_entries: _containers.RepeatedCompositeFieldContainer[_core_pb2.AuditEntry]
    def __init__(self, builds: _Optional[_Iterable[_Union[UnitBuild, _Mapping]]] = ..., work_orders: _Optional[_Iterable[_Union[WorkOrder, _Mapping]]] = ..., operations: _Optional[_Iterable[_Union[OperationRecord, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[ComponentLink, _Mapping]]] = ..., material_lots: _Optional[_Iterable[_Union[UnitMaterialLots, _Mapping]]] = ..., audit_entries: _Optional[_Iterable[_Union[_core_pb2.AuditEntry, _Mapping]]] = ...) -> None: ...
