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

class CustodyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUSTODY_STATUS_UNSPECIFIED: _ClassVar[CustodyStatus]
    CUSTODY_STATUS_NONE: _ClassVar[CustodyStatus]
    CUSTODY_STATUS_IN_STOCK: _ClassVar[CustodyStatus]
    CUSTODY_STATUS_ISSUED: _ClassVar[CustodyStatus]
    CUSTODY_STATUS_SHIPPED: _ClassVar[CustodyStatus]
    CUSTODY_STATUS_RETURNED: _ClassVar[CustodyStatus]

class MovementKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MOVEMENT_KIND_UNSPECIFIED: _ClassVar[MovementKind]
    MOVEMENT_KIND_RECEIVE: _ClassVar[MovementKind]
    MOVEMENT_KIND_MOVE: _ClassVar[MovementKind]
    MOVEMENT_KIND_ISSUE: _ClassVar[MovementKind]
    MOVEMENT_KIND_PACK: _ClassVar[MovementKind]
    MOVEMENT_KIND_UNPACK: _ClassVar[MovementKind]
    MOVEMENT_KIND_SHIP: _ClassVar[MovementKind]
    MOVEMENT_KIND_RETURN: _ClassVar[MovementKind]

class PackageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PACKAGE_KIND_UNSPECIFIED: _ClassVar[PackageKind]
    PACKAGE_KIND_CARTON: _ClassVar[PackageKind]
    PACKAGE_KIND_PALLET: _ClassVar[PackageKind]
CUSTODY_STATUS_UNSPECIFIED: CustodyStatus
CUSTODY_STATUS_NONE: CustodyStatus
CUSTODY_STATUS_IN_STOCK: CustodyStatus
CUSTODY_STATUS_ISSUED: CustodyStatus
CUSTODY_STATUS_SHIPPED: CustodyStatus
CUSTODY_STATUS_RETURNED: CustodyStatus
MOVEMENT_KIND_UNSPECIFIED: MovementKind
MOVEMENT_KIND_RECEIVE: MovementKind
MOVEMENT_KIND_MOVE: MovementKind
MOVEMENT_KIND_ISSUE: MovementKind
MOVEMENT_KIND_PACK: MovementKind
MOVEMENT_KIND_UNPACK: MovementKind
MOVEMENT_KIND_SHIP: MovementKind
MOVEMENT_KIND_RETURN: MovementKind
PACKAGE_KIND_UNSPECIFIED: PackageKind
PACKAGE_KIND_CARTON: PackageKind
PACKAGE_KIND_PALLET: PackageKind

class Movement(_message.Message):
    __slots__ = ("id", "kind", "at", "by", "from_location_code", "to_location_code", "reference", "unit", "lot", "package_sscc", "work_order_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    FROM_LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    TO_LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCC_FIELD_NUMBER: _ClassVar[int]
    WORK_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: MovementKind
    at: _timestamp_pb2.Timestamp
    by: str
    from_location_code: str
    to_location_code: str
    reference: str
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotQuantity
    package_sscc: str
    work_order_id: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[MovementKind, str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by: _Optional[str] = ..., from_location_code: _Optional[str] = ..., to_location_code: _Optional[str] = ..., reference: _Optional[str] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ..., package_sscc: _Optional[str] = ..., work_order_id: _Optional[str] = ...) -> None: ...

class UnitStock(_message.Message):
    __slots__ = ("unit", "custody", "location_code", "package_sscc", "shipment_id")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    CUSTODY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCC_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    custody: CustodyStatus
    location_code: str
    package_sscc: str
    shipment_id: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., custody: _Optional[_Union[CustodyStatus, str]] = ..., location_code: _Optional[str] = ..., package_sscc: _Optional[str] = ..., shipment_id: _Optional[str] = ...) -> None: ...

class StockLevel(_message.Message):
    __slots__ = ("location_code", "quantity")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    quantity: float
    def __init__(self, location_code: _Optional[str] = ..., quantity: _Optional[float] = ...) -> None: ...

class LotStock(_message.Message):
    __slots__ = ("lot", "quantity_on_hand", "levels", "received_at")
    LOT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_ON_HAND_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    lot: _core_pb2.LotKey
    quantity_on_hand: float
    levels: _containers.RepeatedCompositeFieldContainer[StockLevel]
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., quantity_on_hand: _Optional[float] = ..., levels: _Optional[_Iterable[_Union[StockLevel, _Mapping]]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Package(_message.Message):
    __slots__ = ("sscc", "kind", "parent_sscc", "location_code", "shipment_id", "units", "package_ssccs", "created_at")
    SSCC_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_SSCC_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCCS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    sscc: str
    kind: PackageKind
    parent_sscc: str
    location_code: str
    shipment_id: str
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    package_ssccs: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, sscc: _Optional[str] = ..., kind: _Optional[_Union[PackageKind, str]] = ..., parent_sscc: _Optional[str] = ..., location_code: _Optional[str] = ..., shipment_id: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., package_ssccs: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Shipment(_message.Message):
    __slots__ = ("id", "customer_code", "shipped_at", "carrier", "tracking_number", "unit_count", "shipped_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CODE_FIELD_NUMBER: _ClassVar[int]
    SHIPPED_AT_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    UNIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHIPPED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_code: str
    shipped_at: _timestamp_pb2.Timestamp
    carrier: str
    tracking_number: str
    unit_count: int
    shipped_by: str
    def __init__(self, id: _Optional[str] = ..., customer_code: _Optional[str] = ..., shipped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., unit_count: _Optional[int] = ..., shipped_by: _Optional[str] = ...) -> None: ...

class ReceiveLotRequest(_message.Message):
    __slots__ = ("lot", "quantity", "supplier_code", "supplier_lot_number", "expires_at", "location_code", "idempotency_key")
    LOT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_CODE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    lot: _core_pb2.LotKey
    quantity: float
    supplier_code: str
    supplier_lot_number: str
    expires_at: _timestamp_pb2.Timestamp
    location_code: str
    idempotency_key: str
    def __init__(self, lot: _Optional[_Union[_core_pb2.LotKey, _Mapping]] = ..., quantity: _Optional[float] = ..., supplier_code: _Optional[str] = ..., supplier_lot_number: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location_code: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReceiveLotResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: LotStock
    def __init__(self, stock: _Optional[_Union[LotStock, _Mapping]] = ...) -> None: ...

class ReceiveUnitsRequest(_message.Message):
    __slots__ = ("sku", "serials", "supplier_code", "location_code", "lot_number", "idempotency_key")
    SKU_FIELD_NUMBER: _ClassVar[int]
    SERIALS_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    serials: _containers.RepeatedScalarFieldContainer[str]
    supplier_code: str
    location_code: str
    lot_number: str
    idempotency_key: str
    def __init__(self, sku: _Optional[str] = ..., serials: _Optional[_Iterable[str]] = ..., supplier_code: _Optional[str] = ..., location_code: _Optional[str] = ..., lot_number: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReceiveUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[UnitStock]
    def __init__(self, units: _Optional[_Iterable[_Union[UnitStock, _Mapping]]] = ...) -> None: ...

class ProductionReceipt(_message.Message):
    __slots__ = ("unit", "location_code", "work_order_id")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    WORK_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    location_code: str
    work_order_id: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., location_code: _Optional[str] = ..., work_order_id: _Optional[str] = ...) -> None: ...

class ReceiveFromProductionRequest(_message.Message):
    __slots__ = ("receipts", "idempotency_key")
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    receipts: _containers.RepeatedCompositeFieldContainer[ProductionReceipt]
    idempotency_key: str
    def __init__(self, receipts: _Optional[_Iterable[_Union[ProductionReceipt, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReceiveFromProductionResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class MoveStockRequest(_message.Message):
    __slots__ = ("units", "lots", "package_ssccs", "from_location_code", "to_location_code", "idempotency_key")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCCS_FIELD_NUMBER: _ClassVar[int]
    FROM_LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    TO_LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotQuantity]
    package_ssccs: _containers.RepeatedScalarFieldContainer[str]
    from_location_code: str
    to_location_code: str
    idempotency_key: str
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotQuantity, _Mapping]]] = ..., package_ssccs: _Optional[_Iterable[str]] = ..., from_location_code: _Optional[str] = ..., to_location_code: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class MoveStockResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class IssueToProductionRequest(_message.Message):
    __slots__ = ("unit", "lot", "reference", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotQuantity
    reference: str
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ..., reference: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class IssueToProductionResponse(_message.Message):
    __slots__ = ("movement",)
    MOVEMENT_FIELD_NUMBER: _ClassVar[int]
    movement: Movement
    def __init__(self, movement: _Optional[_Union[Movement, _Mapping]] = ...) -> None: ...

class IssueLine(_message.Message):
    __slots__ = ("unit", "lot", "reference", "only_if_in_stock")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ONLY_IF_IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    lot: _core_pb2.LotQuantity
    reference: str
    only_if_in_stock: bool
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ..., reference: _Optional[str] = ..., only_if_in_stock: _Optional[bool] = ...) -> None: ...

class IssueManyToProductionRequest(_message.Message):
    __slots__ = ("lines", "idempotency_key")
    LINES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[IssueLine]
    idempotency_key: str
    def __init__(self, lines: _Optional[_Iterable[_Union[IssueLine, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class IssueManyToProductionResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class PackRequest(_message.Message):
    __slots__ = ("sscc", "kind", "units", "package_ssccs", "idempotency_key")
    SSCC_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCCS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sscc: str
    kind: PackageKind
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    package_ssccs: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, sscc: _Optional[str] = ..., kind: _Optional[_Union[PackageKind, str]] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., package_ssccs: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class PackResponse(_message.Message):
    __slots__ = ("package",)
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    package: Package
    def __init__(self, package: _Optional[_Union[Package, _Mapping]] = ...) -> None: ...

class UnpackRequest(_message.Message):
    __slots__ = ("sscc", "idempotency_key")
    SSCC_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sscc: str
    idempotency_key: str
    def __init__(self, sscc: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UnpackResponse(_message.Message):
    __slots__ = ("package",)
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    package: Package
    def __init__(self, package: _Optional[_Union[Package, _Mapping]] = ...) -> None: ...

class CreateShipmentRequest(_message.Message):
    __slots__ = ("customer_code", "units", "package_ssccs", "carrier", "tracking_number", "idempotency_key")
    CUSTOMER_CODE_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCCS_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    customer_code: str
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    package_ssccs: _containers.RepeatedScalarFieldContainer[str]
    carrier: str
    tracking_number: str
    idempotency_key: str
    def __init__(self, customer_code: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., package_ssccs: _Optional[_Iterable[str]] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateShipmentResponse(_message.Message):
    __slots__ = ("shipment",)
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: Shipment
    def __init__(self, shipment: _Optional[_Union[Shipment, _Mapping]] = ...) -> None: ...

class ReturnUnitRequest(_message.Message):
    __slots__ = ("unit", "rma_number", "reason", "location_code", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    RMA_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    rma_number: str
    reason: str
    location_code: str
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., rma_number: _Optional[str] = ..., reason: _Optional[str] = ..., location_code: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReturnUnitResponse(_message.Message):
    __slots__ = ("unit",)
    UNIT_FIELD_NUMBER: _ClassVar[int]
    unit: UnitStock
    def __init__(self, unit: _Optional[_Union[UnitStock, _Mapping]] = ...) -> None: ...

class BatchGetUnitStockRequest(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class BatchGetUnitStockResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[UnitStock]
    def __init__(self, units: _Optional[_Iterable[_Union[UnitStock, _Mapping]]] = ...) -> None: ...

class BatchGetWhereaboutsRequest(_message.Message):
    __slots__ = ("units", "unit_columns")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    UNIT_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    unit_columns: _core_pb2.UnitKeyColumns
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., unit_columns: _Optional[_Union[_core_pb2.UnitKeyColumns, _Mapping]] = ...) -> None: ...

class WhereaboutsColumns(_message.Message):
    __slots__ = ("units", "custodies", "location_codes", "shipment_ids", "customer_codes")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    CUSTODIES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODES_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CODES_FIELD_NUMBER: _ClassVar[int]
    units: _core_pb2.UnitKeyColumns
    custodies: _containers.RepeatedScalarFieldContainer[CustodyStatus]
    location_codes: _containers.RepeatedScalarFieldContainer[str]
    shipment_ids: _containers.RepeatedScalarFieldContainer[str]
    customer_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, units: _Optional[_Union[_core_pb2.UnitKeyColumns, _Mapping]] = ..., custodies: _Optional[_Iterable[_Union[CustodyStatus, str]]] = ..., location_codes: _Optional[_Iterable[str]] = ..., shipment_ids: _Optional[_Iterable[str]] = ..., customer_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class Whereabouts(_message.Message):
    __slots__ = ("unit", "custody", "location_code", "shipment_id", "customer_code")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    CUSTODY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CODE_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    custody: CustodyStatus
    location_code: str
    shipment_id: str
    customer_code: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., custody: _Optional[_Union[CustodyStatus, str]] = ..., location_code: _Optional[str] = ..., shipment_id: _Optional[str] = ..., customer_code: _Optional[str] = ...) -> None: ...

class BatchGetWhereaboutsResponse(_message.Message):
    __slots__ = ("units", "columns")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Whereabouts]
    columns: WhereaboutsColumns
    def __init__(self, units: _Optional[_Iterable[_Union[Whereabouts, _Mapping]]] = ..., columns: _Optional[_Union[WhereaboutsColumns, _Mapping]] = ...) -> None: ...

class BatchGetMovementsRequest(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class BatchGetMovementsResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class BatchGetLotStockRequest(_message.Message):
    __slots__ = ("lots",)
    LOTS_FIELD_NUMBER: _ClassVar[int]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class BatchGetLotStockResponse(_message.Message):
    __slots__ = ("lots",)
    LOTS_FIELD_NUMBER: _ClassVar[int]
    lots: _containers.RepeatedCompositeFieldContainer[LotStock]
    def __init__(self, lots: _Optional[_Iterable[_Union[LotStock, _Mapping]]] = ...) -> None: ...

class BatchGetPackagesRequest(_message.Message):
    __slots__ = ("ssccs",)
    SSCCS_FIELD_NUMBER: _ClassVar[int]
    ssccs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ssccs: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetPackagesResponse(_message.Message):
    __slots__ = ("packages",)
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    packages: _containers.RepeatedCompositeFieldContainer[Package]
    def __init__(self, packages: _Optional[_Iterable[_Union[Package, _Mapping]]] = ...) -> None: ...

class BatchGetShipmentsRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetShipmentsResponse(_message.Message):
    __slots__ = ("shipments",)
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    shipments: _containers.RepeatedCompositeFieldContainer[Shipment]
    def __init__(self, shipments: _Optional[_Iterable[_Union[Shipment, _Mapping]]] = ...) -> None: ...

class ListShipmentUnitsRequest(_message.Message):
    __slots__ = ("shipment_id", "page_size", "page_token")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    page_size: int
    page_token: str
    def __init__(self, shipment_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListShipmentUnitsResponse(_message.Message):
    __slots__ = ("units", "total_count", "next_page_token")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    total_count: int
    next_page_token: str
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., total_count: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListUnitsAtLocationRequest(_message.Message):
    __slots__ = ("location_code", "page_size", "page_token")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    page_size: int
    page_token: str
    def __init__(self, location_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListUnitsAtLocationResponse(_message.Message):
    __slots__ = ("units", "total_count", "next_page_token")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[UnitStock]
    total_count: int
    next_page_token: str
    def __init__(self, units: _Optional[_Iterable[_Union[UnitStock, _Mapping]]] = ..., total_count: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchGetLocationStockSummariesRequest(_message.Message):
    __slots__ = ("location_codes",)
    LOCATION_CODES_FIELD_NUMBER: _ClassVar[int]
    location_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, location_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class LocationStockSummary(_message.Message):
    __slots__ = ("location_code", "units_in_stock", "lots_on_hand", "lot_quantity_on_hand")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    UNITS_IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    LOTS_ON_HAND_FIELD_NUMBER: _ClassVar[int]
    LOT_QUANTITY_ON_HAND_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    units_in_stock: int
    lots_on_hand: int
    lot_quantity_on_hand: float
    def __init__(self, location_code: _Optional[str] = ..., units_in_stock: _Optional[int] = ..., lots_on_hand: _Optional[int] = ..., lot_quantity_on_hand: _Optional[float] = ...) -> None: ...

class BatchGetLocationStockSummariesResponse(_message.Message):
    __slots__ = ("summaries",)
    SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    summaries: _containers.RepeatedCompositeFieldContainer[LocationStockSummary]
    def __init__(self, summaries: _Optional[_Iterable[_Union[LocationStockSummary, _Mapping]]] = ...) -> None: ...

class ImportProvenance(_message.Message):
    __slots__ = ("import_batch_id", "file", "row")
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    file: str
    row: int
    def __init__(self, import_batch_id: _Optional[str] = ..., file: _Optional[str] = ..., row: _Optional[int] = ...) -> None: ...

class ImportedStock(_message.Message):
    __slots__ = ("unit", "location_code", "received_at", "provenance", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    location_code: str
    received_at: _timestamp_pb2.Timestamp
    provenance: ImportProvenance
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., location_code: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provenance: _Optional[_Union[ImportProvenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportStockRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedStock]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedStock, _Mapping]]] = ...) -> None: ...

class ImportStockOutcome(_message.Message):
    __slots__ = ("unit", "error")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    unit: UnitStock
    error: _core_pb2.ItemError
    def __init__(self, unit: _Optional[_Union[UnitStock, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportStockResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportStockOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportStockOutcome, _Mapping]]] = ...) -> None: ...

class ImportedLotStock(_message.Message):
    __slots__ = ("lot", "location_code", "received_at", "provenance", "idempotency_key")
    LOT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    lot: _core_pb2.LotQuantity
    location_code: str
    received_at: _timestamp_pb2.Timestamp
    provenance: ImportProvenance
    idempotency_key: str
    def __init__(self, lot: _Optional[_Union[_core_pb2.LotQuantity, _Mapping]] = ..., location_code: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provenance: _Optional[_Union[ImportProvenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportLotStockRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedLotStock]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedLotStock, _Mapping]]] = ...) -> None: ...

class ImportLotStockOutcome(_message.Message):
    __slots__ = ("lot", "error")
    LOT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    lot: LotStock
    error: _core_pb2.ItemError
    def __init__(self, lot: _Optional[_Union[LotStock, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportLotStockResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportLotStockOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportLotStockOutcome, _Mapping]]] = ...) -> None: ...

class ImportedShipment(_message.Message):
    __slots__ = ("unit", "customer_code", "shipped_at", "carrier", "tracking_number", "sscc", "provenance", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CODE_FIELD_NUMBER: _ClassVar[int]
    SHIPPED_AT_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SSCC_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    customer_code: str
    shipped_at: _timestamp_pb2.Timestamp
    carrier: str
    tracking_number: str
    sscc: str
    provenance: ImportProvenance
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., customer_code: _Optional[str] = ..., shipped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., sscc: _Optional[str] = ..., provenance: _Optional[_Union[ImportProvenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportShipmentsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedShipment]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedShipment, _Mapping]]] = ...) -> None: ...

class ImportShipmentOutcome(_message.Message):
    __slots__ = ("unit", "error")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    unit: UnitStock
    error: _core_pb2.ItemError
    def __init__(self, unit: _Optional[_Union[UnitStock, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportShipmentsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportShipmentOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportShipmentOutcome, _Mapping]]] = ...) -> None: ...

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

class VerifyImportedStockRequest(_message.Message):
    __slots__ = ("import_batch_id",)
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    def __init__(self, import_batch_id: _Optional[str] = ...) -> None: ...

class VerifyImportedStockResponse(_message.Message):
    __slots__ = ("facts", "problems")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    facts: int
    problems: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, facts: _Optional[int] = ..., problems: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTraceFactsRequest(_message.Message):
    __slots__ = ("units", "lots", "package_ssccs", "shipment_ids", "unit_stock", "movements", "packages", "shipments", "lot_stock", "audit_entries")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_SSCCS_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    UNIT_STOCK_FIELD_NUMBER: _ClassVar[int]
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    LOT_STOCK_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    package_ssccs: _containers.RepeatedScalarFieldContainer[str]
    shipment_ids: _containers.RepeatedScalarFieldContainer[str]
    unit_stock: bool
    movements: bool
    packages: bool
    shipments: bool
    lot_stock: bool
    audit_entries: bool
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., package_ssccs: _Optional[_Iterable[str]] = ..., shipment_ids: _Optional[_Iterable[str]] = ..., unit_stock: _Optional[bool] = ..., movements: _Optional[bool] = ..., packages: _Optional[bool] = ..., shipments: _Optional[bool] = ..., lot_stock: _Optional[bool] = ..., audit_entries: _Optional[bool] = ...) -> None: ...

class GetTraceFactsResponse(_message.Message):
    __slots__ = ("unit_stock", "movements", "lot_stock", "packages", "shipments", "audit_entries")
    UNIT_STOCK_FIELD_NUMBER: _ClassVar[int]
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    LOT_STOCK_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    unit_stock: _containers.RepeatedCompositeFieldContainer[UnitStock]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    lot_stock: _containers.RepeatedCompositeFieldContainer[LotStock]
    packages: _containers.RepeatedCompositeFieldContainer[Package]
    shipments: _containers.RepeatedCompositeFieldContainer[Shipment]
    audit_entries: _containers.RepeatedCompositeFieldContainer[_core_pb2.AuditEntry]
    def __init__(self, unit_stock: _Optional[_Iterable[_Union[UnitStock, _Mapping]]] = ..., movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ..., lot_stock: _Optional[_Iterable[_Union[LotStock, _Mapping]]] = ..., packages: _Optional[_Iterable[_Union[Package, _Mapping]]] = ..., shipments: _Optional[_Iterable[_Union[Shipment, _Mapping]]] = ..., audit_entries: _Optional[_Iterable[_Union[_core_pb2.AuditEntry, _Mapping]]] = ...) -> None: ...
