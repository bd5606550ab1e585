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

class InspectionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSPECTION_KIND_UNSPECIFIED: _ClassVar[InspectionKind]
    INSPECTION_KIND_INCOMING: _ClassVar[InspectionKind]
    INSPECTION_KIND_IN_PROCESS: _ClassVar[InspectionKind]
    INSPECTION_KIND_FINAL: _ClassVar[InspectionKind]

class Disposition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPOSITION_UNSPECIFIED: _ClassVar[Disposition]
    DISPOSITION_REWORK: _ClassVar[Disposition]
    DISPOSITION_SCRAP: _ClassVar[Disposition]
    DISPOSITION_USE_AS_IS: _ClassVar[Disposition]
    DISPOSITION_RETURN_TO_SUPPLIER: _ClassVar[Disposition]

class QualityStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_STATUS_UNSPECIFIED: _ClassVar[QualityStatus]
    QUALITY_STATUS_OK: _ClassVar[QualityStatus]
    QUALITY_STATUS_ON_HOLD: _ClassVar[QualityStatus]
    QUALITY_STATUS_REJECTED: _ClassVar[QualityStatus]

class RecallStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECALL_STATUS_UNSPECIFIED: _ClassVar[RecallStatus]
    RECALL_STATUS_OPEN: _ClassVar[RecallStatus]
    RECALL_STATUS_CLOSED: _ClassVar[RecallStatus]

class RecallUnitState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECALL_UNIT_STATE_UNSPECIFIED: _ClassVar[RecallUnitState]
    RECALL_UNIT_STATE_IN_PRODUCTION: _ClassVar[RecallUnitState]
    RECALL_UNIT_STATE_IN_STOCK: _ClassVar[RecallUnitState]
    RECALL_UNIT_STATE_SHIPPED: _ClassVar[RecallUnitState]
    RECALL_UNIT_STATE_RETURNED: _ClassVar[RecallUnitState]
    RECALL_UNIT_STATE_RECOVERED: _ClassVar[RecallUnitState]
    RECALL_UNIT_STATE_DESTROYED: _ClassVar[RecallUnitState]
INSPECTION_KIND_UNSPECIFIED: InspectionKind
INSPECTION_KIND_INCOMING: InspectionKind
INSPECTION_KIND_IN_PROCESS: InspectionKind
INSPECTION_KIND_FINAL: InspectionKind
DISPOSITION_UNSPECIFIED: Disposition
DISPOSITION_REWORK: Disposition
DISPOSITION_SCRAP: Disposition
DISPOSITION_USE_AS_IS: Disposition
DISPOSITION_RETURN_TO_SUPPLIER: Disposition
QUALITY_STATUS_UNSPECIFIED: QualityStatus
QUALITY_STATUS_OK: QualityStatus
QUALITY_STATUS_ON_HOLD: QualityStatus
QUALITY_STATUS_REJECTED: QualityStatus
RECALL_STATUS_UNSPECIFIED: RecallStatus
RECALL_STATUS_OPEN: RecallStatus
RECALL_STATUS_CLOSED: RecallStatus
RECALL_UNIT_STATE_UNSPECIFIED: RecallUnitState
RECALL_UNIT_STATE_IN_PRODUCTION: RecallUnitState
RECALL_UNIT_STATE_IN_STOCK: RecallUnitState
RECALL_UNIT_STATE_SHIPPED: RecallUnitState
RECALL_UNIT_STATE_RETURNED: RecallUnitState
RECALL_UNIT_STATE_RECOVERED: RecallUnitState
RECALL_UNIT_STATE_DESTROYED: RecallUnitState

class Inspection(_message.Message):
    __slots__ = ("id", "kind", "unit", "lot", "result", "inspector", "at", "measurements_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: InspectionKind
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotKey
    result: _core_pb2.Result
    inspector: str
    at: _timestamp_pb2.Timestamp
    measurements_json: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[InspectionKind, str]] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., result: _Optional[_Union[_core_pb2.Result, str]] = ..., inspector: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., measurements_json: _Optional[str] = ...) -> None: ...

class Nonconformance(_message.Message):
    __slots__ = ("id", "units", "lots", "description", "disposition", "opened_by", "opened_at", "closure")
    ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    OPENED_BY_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSURE_FIELD_NUMBER: _ClassVar[int]
    id: str
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    description: str
    disposition: Disposition
    opened_by: str
    opened_at: _timestamp_pb2.Timestamp
    closure: _core_pb2.Signature
    def __init__(self, id: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., description: _Optional[str] = ..., disposition: _Optional[_Union[Disposition, str]] = ..., opened_by: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closure: _Optional[_Union[_core_pb2.Signature, _Mapping]] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("id", "reason", "placed_by", "placed_at", "active", "release", "unit_count", "units", "lots")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PLACED_BY_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    UNIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    placed_by: str
    placed_at: _timestamp_pb2.Timestamp
    active: bool
    release: _core_pb2.Signature
    unit_count: int
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ..., placed_by: _Optional[str] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., release: _Optional[_Union[_core_pb2.Signature, _Mapping]] = ..., unit_count: _Optional[int] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class RecallCount(_message.Message):
    __slots__ = ("state", "count")
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    state: RecallUnitState
    count: int
    def __init__(self, state: _Optional[_Union[RecallUnitState, str]] = ..., count: _Optional[int] = ...) -> None: ...

class Recall(_message.Message):
    __slots__ = ("id", "reason", "status", "created_at", "created_by", "scope_computed_in_ms", "counts", "hold_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_COMPUTED_IN_MS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    status: RecallStatus
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    scope_computed_in_ms: int
    counts: _containers.RepeatedCompositeFieldContainer[RecallCount]
    hold_id: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ..., status: _Optional[_Union[RecallStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., scope_computed_in_ms: _Optional[int] = ..., counts: _Optional[_Iterable[_Union[RecallCount, _Mapping]]] = ..., hold_id: _Optional[str] = ...) -> None: ...

class RecallItem(_message.Message):
    __slots__ = ("recall_id", "unit", "state", "location_code", "customer_code", "shipment_id")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CODE_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    recall_id: str
    unit: _core_pb2.UnitKey
    state: RecallUnitState
    location_code: str
    customer_code: str
    shipment_id: str
    def __init__(self, recall_id: _Optional[str] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., state: _Optional[_Union[RecallUnitState, str]] = ..., location_code: _Optional[str] = ..., customer_code: _Optional[str] = ..., shipment_id: _Optional[str] = ...) -> None: ...

class HoldCheck(_message.Message):
    __slots__ = ("unit", "lot", "held", "hold_ids")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    HOLD_IDS_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotKey
    held: bool
    hold_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., held: _Optional[bool] = ..., hold_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubjectQualityStatus(_message.Message):
    __slots__ = ("unit", "lot", "status")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotKey
    status: QualityStatus
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., status: _Optional[_Union[QualityStatus, str]] = ...) -> None: ...

class RecordInspectionRequest(_message.Message):
    __slots__ = ("kind", "unit", "lot", "result", "measurements_json", "idempotency_key")
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    kind: InspectionKind
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotKey
    result: _core_pb2.Result
    measurements_json: str
    idempotency_key: str
    def __init__(self, kind: _Optional[_Union[InspectionKind, str]] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., result: _Optional[_Union[_core_pb2.Result, str]] = ..., measurements_json: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordInspectionResponse(_message.Message):
    __slots__ = ("inspection",)
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    inspection: Inspection
    def __init__(self, inspection: _Optional[_Union[Inspection, _Mapping]] = ...) -> None: ...

class OpenNonconformanceRequest(_message.Message):
    __slots__ = ("units", "lots", "description", "disposition", "idempotency_key")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    description: str
    disposition: Disposition
    idempotency_key: str
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., description: _Optional[str] = ..., disposition: _Optional[_Union[Disposition, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class OpenNonconformanceResponse(_message.Message):
    __slots__ = ("nonconformance",)
    NONCONFORMANCE_FIELD_NUMBER: _ClassVar[int]
    nonconformance: Nonconformance
    def __init__(self, nonconformance: _Optional[_Union[Nonconformance, _Mapping]] = ...) -> None: ...

class CloseNonconformanceRequest(_message.Message):
    __slots__ = ("id", "meaning", "disposition", "idempotency_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    meaning: str
    disposition: Disposition
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., meaning: _Optional[str] = ..., disposition: _Optional[_Union[Disposition, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CloseNonconformanceResponse(_message.Message):
    __slots__ = ("nonconformance",)
    NONCONFORMANCE_FIELD_NUMBER: _ClassVar[int]
    nonconformance: Nonconformance
    def __init__(self, nonconformance: _Optional[_Union[Nonconformance, _Mapping]] = ...) -> None: ...

class PlaceHoldRequest(_message.Message):
    __slots__ = ("reason", "units", "lots", "idempotency_key")
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    reason: str
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    idempotency_key: str
    def __init__(self, reason: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class PlaceHoldResponse(_message.Message):
    __slots__ = ("hold",)
    HOLD_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ...) -> None: ...

class ReleaseHoldRequest(_message.Message):
    __slots__ = ("id", "meaning", "idempotency_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    meaning: str
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., meaning: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReleaseHoldResponse(_message.Message):
    __slots__ = ("hold",)
    HOLD_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ...) -> None: ...

class CreateRecallRequest(_message.Message):
    __slots__ = ("reason", "units", "lots", "hold_stock", "idempotency_key")
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    HOLD_STOCK_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    reason: str
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    hold_stock: bool
    idempotency_key: str
    def __init__(self, reason: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., hold_stock: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateRecallResponse(_message.Message):
    __slots__ = ("recall",)
    RECALL_FIELD_NUMBER: _ClassVar[int]
    recall: Recall
    def __init__(self, recall: _Optional[_Union[Recall, _Mapping]] = ...) -> None: ...

class UpdateRecallItemRequest(_message.Message):
    __slots__ = ("recall_id", "unit", "state", "idempotency_key")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    recall_id: str
    unit: _core_pb2.UnitKey
    state: RecallUnitState
    idempotency_key: str
    def __init__(self, recall_id: _Optional[str] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., state: _Optional[_Union[RecallUnitState, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateRecallItemResponse(_message.Message):
    __slots__ = ("item", "recall")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    item: RecallItem
    recall: Recall
    def __init__(self, item: _Optional[_Union[RecallItem, _Mapping]] = ..., recall: _Optional[_Union[Recall, _Mapping]] = ...) -> None: ...

class BatchCheckHoldsRequest(_message.Message):
    __slots__ = ("units", "lots")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class BatchCheckHoldsResponse(_message.Message):
    __slots__ = ("checks",)
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    checks: _containers.RepeatedCompositeFieldContainer[HoldCheck]
    def __init__(self, checks: _Optional[_Iterable[_Union[HoldCheck, _Mapping]]] = ...) -> None: ...

class BatchGetQualityStatusRequest(_message.Message):
    __slots__ = ("units", "lots")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class BatchGetQualityStatusResponse(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[SubjectQualityStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[SubjectQualityStatus, _Mapping]]] = ...) -> None: ...

class BatchGetInspectionsRequest(_message.Message):
    __slots__ = ("units", "lots")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class BatchGetInspectionsResponse(_message.Message):
    __slots__ = ("inspections",)
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    inspections: _containers.RepeatedCompositeFieldContainer[Inspection]
    def __init__(self, inspections: _Optional[_Iterable[_Union[Inspection, _Mapping]]] = ...) -> None: ...

class BatchGetHoldsRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetHoldsResponse(_message.Message):
    __slots__ = ("holds",)
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    holds: _containers.RepeatedCompositeFieldContainer[Hold]
    def __init__(self, holds: _Optional[_Iterable[_Union[Hold, _Mapping]]] = ...) -> None: ...

class BatchGetRecallsRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetRecallsResponse(_message.Message):
    __slots__ = ("recalls",)
    RECALLS_FIELD_NUMBER: _ClassVar[int]
    recalls: _containers.RepeatedCompositeFieldContainer[Recall]
    def __init__(self, recalls: _Optional[_Iterable[_Union[Recall, _Mapping]]] = ...) -> None: ...

class BatchGetUnitRecallsRequest(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class UnitRecalls(_message.Message):
    __slots__ = ("unit", "recall_ids")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    RECALL_IDS_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    recall_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., recall_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetUnitRecallsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[UnitRecalls]
    def __init__(self, units: _Optional[_Iterable[_Union[UnitRecalls, _Mapping]]] = ...) -> None: ...

class ListRecallItemsRequest(_message.Message):
    __slots__ = ("recall_id", "state", "page_size", "page_token")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    recall_id: str
    state: RecallUnitState
    page_size: int
    page_token: str
    def __init__(self, recall_id: _Optional[str] = ..., state: _Optional[_Union[RecallUnitState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRecallItemsResponse(_message.Message):
    __slots__ = ("items", "total_count", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[RecallItem]
    total_count: int
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[RecallItem, _Mapping]]] = ..., total_count: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTraceFactsRequest(_message.Message):
    __slots__ = ("units", "lots", "hold_ids", "recall_ids", "statuses", "inspections", "holds", "recalls", "audit_entries")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    HOLD_IDS_FIELD_NUMBER: _ClassVar[int]
    RECALL_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    RECALLS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    hold_ids: _containers.RepeatedScalarFieldContainer[str]
    recall_ids: _containers.RepeatedScalarFieldContainer[str]
    statuses: bool
    inspections: bool
    holds: bool
    recalls: bool
    audit_entries: bool
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., hold_ids: _Optional[_Iterable[str]] = ..., recall_ids: _Optional[_Iterable[str]] = ..., statuses: _Optional[bool] = ..., inspections: _Optional[bool] = ..., holds: _Optional[bool] = ..., recalls: _Optional[bool] = ..., audit_entries: _Optional[bool] = ...) -> None: ...

class GetTraceFactsResponse(_message.Message):
    __slots__ = ("statuses", "inspections", "hold_checks", "holds", "unit_recalls", "recalls", "audit_entries")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    HOLD_CHECKS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    UNIT_RECALLS_FIELD_NUMBER: _ClassVar[int]
    RECALLS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[SubjectQualityStatus]
    inspections: _containers.RepeatedCompositeFieldContainer[Inspection]
    hold_checks: _containers.RepeatedCompositeFieldContainer[HoldCheck]
    holds: _containers.RepeatedCompositeFieldContainer[Hold]
    unit_recalls: _containers.RepeatedCompositeFieldContainer[UnitRecalls]
    recalls: _containers.RepeatedCompositeFieldContainer[Recall]
    audit_entries: _containers.RepeatedCompositeFieldContainer[_core_pb2.AuditEntry]
    def __init__(self, statuses: _Optional[_Iterable[_Union[SubjectQualityStatus, _Mapping]]] = ..., inspections: _Optional[_Iterable[_Union[Inspection, _Mapping]]] = ..., hold_checks: _Optional[_Iterable[_Union[HoldCheck, _Mapping]]] = ..., holds: _Optional[_Iterable[_Union[Hold, _Mapping]]] = ..., unit_recalls: _Optional[_Iterable[_Union[UnitRecalls, _Mapping]]] = ..., recalls: _Optional[_Iterable[_Union[Recall, _Mapping]]] = ..., audit_entries: _Optional[_Iterable[_Union[_core_pb2.AuditEntry, _Mapping]]] = ...) -> None: ...
