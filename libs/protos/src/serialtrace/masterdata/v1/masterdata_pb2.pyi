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

class ProductKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_KIND_UNSPECIFIED: _ClassVar[ProductKind]
    PRODUCT_KIND_FINISHED: _ClassVar[ProductKind]
    PRODUCT_KIND_SUBASSEMBLY: _ClassVar[ProductKind]
    PRODUCT_KIND_COMPONENT: _ClassVar[ProductKind]
    PRODUCT_KIND_MATERIAL: _ClassVar[ProductKind]

class TrackingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRACKING_MODE_UNSPECIFIED: _ClassVar[TrackingMode]
    TRACKING_MODE_SERIAL: _ClassVar[TrackingMode]
    TRACKING_MODE_LOT: _ClassVar[TrackingMode]
    TRACKING_MODE_NONE: _ClassVar[TrackingMode]

class Uniqueness(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIQUENESS_UNSPECIFIED: _ClassVar[Uniqueness]
    UNIQUENESS_PRODUCT: _ClassVar[Uniqueness]
    UNIQUENESS_GLOBAL: _ClassVar[Uniqueness]

class PartyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_KIND_UNSPECIFIED: _ClassVar[PartyKind]
    PARTY_KIND_SUPPLIER: _ClassVar[PartyKind]
    PARTY_KIND_CUSTOMER: _ClassVar[PartyKind]

class LocationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOCATION_KIND_UNSPECIFIED: _ClassVar[LocationKind]
    LOCATION_KIND_SITE: _ClassVar[LocationKind]
    LOCATION_KIND_WAREHOUSE: _ClassVar[LocationKind]
    LOCATION_KIND_BIN: _ClassVar[LocationKind]
    LOCATION_KIND_LINE: _ClassVar[LocationKind]

class UnitSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_SOURCE_UNSPECIFIED: _ClassVar[UnitSource]
    UNIT_SOURCE_COMMISSIONED: _ClassVar[UnitSource]
    UNIT_SOURCE_PURCHASED: _ClassVar[UnitSource]

class ImportBatchState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMPORT_BATCH_STATE_UNSPECIFIED: _ClassVar[ImportBatchState]
    IMPORT_BATCH_STATE_CHECKED: _ClassVar[ImportBatchState]
    IMPORT_BATCH_STATE_APPLYING: _ClassVar[ImportBatchState]
    IMPORT_BATCH_STATE_APPLIED: _ClassVar[ImportBatchState]
    IMPORT_BATCH_STATE_VERIFIED: _ClassVar[ImportBatchState]
    IMPORT_BATCH_STATE_ROLLED_BACK: _ClassVar[ImportBatchState]
PRODUCT_KIND_UNSPECIFIED: ProductKind
PRODUCT_KIND_FINISHED: ProductKind
PRODUCT_KIND_SUBASSEMBLY: ProductKind
PRODUCT_KIND_COMPONENT: ProductKind
PRODUCT_KIND_MATERIAL: ProductKind
TRACKING_MODE_UNSPECIFIED: TrackingMode
TRACKING_MODE_SERIAL: TrackingMode
TRACKING_MODE_LOT: TrackingMode
TRACKING_MODE_NONE: TrackingMode
UNIQUENESS_UNSPECIFIED: Uniqueness
UNIQUENESS_PRODUCT: Uniqueness
UNIQUENESS_GLOBAL: Uniqueness
PARTY_KIND_UNSPECIFIED: PartyKind
PARTY_KIND_SUPPLIER: PartyKind
PARTY_KIND_CUSTOMER: PartyKind
LOCATION_KIND_UNSPECIFIED: LocationKind
LOCATION_KIND_SITE: LocationKind
LOCATION_KIND_WAREHOUSE: LocationKind
LOCATION_KIND_BIN: LocationKind
LOCATION_KIND_LINE: LocationKind
UNIT_SOURCE_UNSPECIFIED: UnitSource
UNIT_SOURCE_COMMISSIONED: UnitSource
UNIT_SOURCE_PURCHASED: UnitSource
IMPORT_BATCH_STATE_UNSPECIFIED: ImportBatchState
IMPORT_BATCH_STATE_CHECKED: ImportBatchState
IMPORT_BATCH_STATE_APPLYING: ImportBatchState
IMPORT_BATCH_STATE_APPLIED: ImportBatchState
IMPORT_BATCH_STATE_VERIFIED: ImportBatchState
IMPORT_BATCH_STATE_ROLLED_BACK: ImportBatchState

class Product(_message.Message):
    __slots__ = ("sku", "name", "kind", "tracking", "gtin", "serial_pattern", "serial_template", "uniqueness", "required_attributes", "created_at")
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TRACKING_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    SERIAL_PATTERN_FIELD_NUMBER: _ClassVar[int]
    SERIAL_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    UNIQUENESS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    sku: str
    name: str
    kind: ProductKind
    tracking: TrackingMode
    gtin: str
    serial_pattern: str
    serial_template: str
    uniqueness: Uniqueness
    required_attributes: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, sku: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[ProductKind, str]] = ..., tracking: _Optional[_Union[TrackingMode, str]] = ..., gtin: _Optional[str] = ..., serial_pattern: _Optional[str] = ..., serial_template: _Optional[str] = ..., uniqueness: _Optional[_Union[Uniqueness, str]] = ..., required_attributes: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BomItem(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: float
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[float] = ...) -> None: ...

class BomRevision(_message.Message):
    __slots__ = ("sku", "revision", "effective_from", "items", "approval", "created_at", "created_by")
    SKU_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    revision: str
    effective_from: _timestamp_pb2.Timestamp
    items: _containers.RepeatedCompositeFieldContainer[BomItem]
    approval: _core_pb2.Signature
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    def __init__(self, sku: _Optional[str] = ..., revision: _Optional[str] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items: _Optional[_Iterable[_Union[BomItem, _Mapping]]] = ..., approval: _Optional[_Union[_core_pb2.Signature, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ...) -> None: ...

class Party(_message.Message):
    __slots__ = ("code", "name", "kind", "gln")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    GLN_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: PartyKind
    gln: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[PartyKind, str]] = ..., gln: _Optional[str] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("code", "name", "kind", "gln", "parent_code")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    GLN_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: LocationKind
    gln: str
    parent_code: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[LocationKind, str]] = ..., gln: _Optional[str] = ..., parent_code: _Optional[str] = ...) -> None: ...

class UnitAlias(_message.Message):
    __slots__ = ("kind", "value")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    value: str
    def __init__(self, kind: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Unit(_message.Message):
    __slots__ = ("sku", "serial", "attributes_json", "aliases", "source", "created_at", "created_by", "provenance")
    SKU_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    sku: str
    serial: str
    attributes_json: str
    aliases: _containers.RepeatedCompositeFieldContainer[UnitAlias]
    source: UnitSource
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    provenance: Provenance
    def __init__(self, sku: _Optional[str] = ..., serial: _Optional[str] = ..., attributes_json: _Optional[str] = ..., aliases: _Optional[_Iterable[_Union[UnitAlias, _Mapping]]] = ..., source: _Optional[_Union[UnitSource, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class Lot(_message.Message):
    __slots__ = ("sku", "lot_number", "supplier_code", "supplier_lot_number", "produced_at", "expires_at", "created_at", "provenance")
    SKU_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_CODE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    sku: str
    lot_number: str
    supplier_code: str
    supplier_lot_number: str
    produced_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    provenance: Provenance
    def __init__(self, sku: _Optional[str] = ..., lot_number: _Optional[str] = ..., supplier_code: _Optional[str] = ..., supplier_lot_number: _Optional[str] = ..., produced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class BomRevisionKey(_message.Message):
    __slots__ = ("sku", "revision")
    SKU_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    sku: str
    revision: str
    def __init__(self, sku: _Optional[str] = ..., revision: _Optional[str] = ...) -> None: ...

class CreateProductRequest(_message.Message):
    __slots__ = ("product", "idempotency_key", "provenance")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    product: Product
    idempotency_key: str
    provenance: Provenance
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class CreateProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: Product
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ...) -> None: ...

class BatchGetProductsRequest(_message.Message):
    __slots__ = ("skus", "gtins")
    SKUS_FIELD_NUMBER: _ClassVar[int]
    GTINS_FIELD_NUMBER: _ClassVar[int]
    skus: _containers.RepeatedScalarFieldContainer[str]
    gtins: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, skus: _Optional[_Iterable[str]] = ..., gtins: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetProductsResponse(_message.Message):
    __slots__ = ("products",)
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[Product]
    def __init__(self, products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ...) -> None: ...

class CreateBomRevisionRequest(_message.Message):
    __slots__ = ("sku", "revision", "effective_from", "items", "idempotency_key", "provenance")
    SKU_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    sku: str
    revision: str
    effective_from: _timestamp_pb2.Timestamp
    items: _containers.RepeatedCompositeFieldContainer[BomItem]
    idempotency_key: str
    provenance: Provenance
    def __init__(self, sku: _Optional[str] = ..., revision: _Optional[str] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items: _Optional[_Iterable[_Union[BomItem, _Mapping]]] = ..., idempotency_key: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class CreateBomRevisionResponse(_message.Message):
    __slots__ = ("bom_revision",)
    BOM_REVISION_FIELD_NUMBER: _ClassVar[int]
    bom_revision: BomRevision
    def __init__(self, bom_revision: _Optional[_Union[BomRevision, _Mapping]] = ...) -> None: ...

class ApproveBomRevisionRequest(_message.Message):
    __slots__ = ("sku", "revision", "meaning", "idempotency_key")
    SKU_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    revision: str
    meaning: str
    idempotency_key: str
    def __init__(self, sku: _Optional[str] = ..., revision: _Optional[str] = ..., meaning: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ApproveBomRevisionResponse(_message.Message):
    __slots__ = ("bom_revision",)
    BOM_REVISION_FIELD_NUMBER: _ClassVar[int]
    bom_revision: BomRevision
    def __init__(self, bom_revision: _Optional[_Union[BomRevision, _Mapping]] = ...) -> None: ...

class BatchGetBomRevisionsRequest(_message.Message):
    __slots__ = ("skus", "keys")
    SKUS_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    skus: _containers.RepeatedScalarFieldContainer[str]
    keys: _containers.RepeatedCompositeFieldContainer[BomRevisionKey]
    def __init__(self, skus: _Optional[_Iterable[str]] = ..., keys: _Optional[_Iterable[_Union[BomRevisionKey, _Mapping]]] = ...) -> None: ...

class BatchGetBomRevisionsResponse(_message.Message):
    __slots__ = ("bom_revisions",)
    BOM_REVISIONS_FIELD_NUMBER: _ClassVar[int]
    bom_revisions: _containers.RepeatedCompositeFieldContainer[BomRevision]
    def __init__(self, bom_revisions: _Optional[_Iterable[_Union[BomRevision, _Mapping]]] = ...) -> None: ...

class CreatePartyRequest(_message.Message):
    __slots__ = ("party", "idempotency_key", "provenance")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    party: Party
    idempotency_key: str
    provenance: Provenance
    def __init__(self, party: _Optional[_Union[Party, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class CreatePartyResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: Party
    def __init__(self, party: _Optional[_Union[Party, _Mapping]] = ...) -> None: ...

class BatchGetPartiesRequest(_message.Message):
    __slots__ = ("codes",)
    CODES_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, codes: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetPartiesResponse(_message.Message):
    __slots__ = ("parties",)
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    parties: _containers.RepeatedCompositeFieldContainer[Party]
    def __init__(self, parties: _Optional[_Iterable[_Union[Party, _Mapping]]] = ...) -> None: ...

class CreateLocationRequest(_message.Message):
    __slots__ = ("location", "idempotency_key", "provenance")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    location: Location
    idempotency_key: str
    provenance: Provenance
    def __init__(self, location: _Optional[_Union[Location, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class CreateLocationResponse(_message.Message):
    __slots__ = ("location",)
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    location: Location
    def __init__(self, location: _Optional[_Union[Location, _Mapping]] = ...) -> None: ...

class BatchGetLocationsRequest(_message.Message):
    __slots__ = ("codes",)
    CODES_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, codes: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetLocationsResponse(_message.Message):
    __slots__ = ("locations",)
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    def __init__(self, locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ...) -> None: ...

class BatchGetByGlnRequest(_message.Message):
    __slots__ = ("glns",)
    GLNS_FIELD_NUMBER: _ClassVar[int]
    glns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, glns: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetByGlnResponse(_message.Message):
    __slots__ = ("locations", "parties")
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    parties: _containers.RepeatedCompositeFieldContainer[Party]
    def __init__(self, locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ..., parties: _Optional[_Iterable[_Union[Party, _Mapping]]] = ...) -> None: ...

class AllocateSerialsRequest(_message.Message):
    __slots__ = ("sku", "count", "idempotency_key")
    SKU_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    count: int
    idempotency_key: str
    def __init__(self, sku: _Optional[str] = ..., count: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AllocateSerialsResponse(_message.Message):
    __slots__ = ("serials",)
    SERIALS_FIELD_NUMBER: _ClassVar[int]
    serials: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, serials: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterUnitsRequest(_message.Message):
    __slots__ = ("sku", "serials", "count", "attributes_json", "source", "idempotency_key")
    SKU_FIELD_NUMBER: _ClassVar[int]
    SERIALS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    serials: _containers.RepeatedScalarFieldContainer[str]
    count: int
    attributes_json: str
    source: UnitSource
    idempotency_key: str
    def __init__(self, sku: _Optional[str] = ..., serials: _Optional[_Iterable[str]] = ..., count: _Optional[int] = ..., attributes_json: _Optional[str] = ..., source: _Optional[_Union[UnitSource, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RegisterUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class BatchGetUnitsRequest(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ...) -> None: ...

class BatchGetUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class FindUnitsBySerialRequest(_message.Message):
    __slots__ = ("serial",)
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    serial: str
    def __init__(self, serial: _Optional[str] = ...) -> None: ...

class FindUnitsBySerialResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class AddUnitAliasRequest(_message.Message):
    __slots__ = ("unit", "alias", "idempotency_key")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    unit: _core_pb2.UnitKey
    alias: UnitAlias
    idempotency_key: str
    def __init__(self, unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ..., alias: _Optional[_Union[UnitAlias, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AddUnitAliasResponse(_message.Message):
    __slots__ = ("unit",)
    UNIT_FIELD_NUMBER: _ClassVar[int]
    unit: Unit
    def __init__(self, unit: _Optional[_Union[Unit, _Mapping]] = ...) -> None: ...

class ResolveAliasesRequest(_message.Message):
    __slots__ = ("aliases",)
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    aliases: _containers.RepeatedCompositeFieldContainer[UnitAlias]
    def __init__(self, aliases: _Optional[_Iterable[_Union[UnitAlias, _Mapping]]] = ...) -> None: ...

class ResolvedAlias(_message.Message):
    __slots__ = ("alias", "unit")
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    alias: UnitAlias
    unit: _core_pb2.UnitKey
    def __init__(self, alias: _Optional[_Union[UnitAlias, _Mapping]] = ..., unit: _Optional[_Union[_core_pb2.UnitKey, _Mapping]] = ...) -> None: ...

class ResolveAliasesResponse(_message.Message):
    __slots__ = ("resolved",)
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    resolved: _containers.RepeatedCompositeFieldContainer[ResolvedAlias]
    def __init__(self, resolved: _Optional[_Iterable[_Union[ResolvedAlias, _Mapping]]] = ...) -> None: ...

class RegisterLotRequest(_message.Message):
    __slots__ = ("lot", "idempotency_key")
    LOT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    lot: Lot
    idempotency_key: str
    def __init__(self, lot: _Optional[_Union[Lot, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RegisterLotResponse(_message.Message):
    __slots__ = ("lot",)
    LOT_FIELD_NUMBER: _ClassVar[int]
    lot: Lot
    def __init__(self, lot: _Optional[_Union[Lot, _Mapping]] = ...) -> None: ...

class BatchGetLotsRequest(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ...) -> None: ...

class BatchGetLotsResponse(_message.Message):
    __slots__ = ("lots",)
    LOTS_FIELD_NUMBER: _ClassVar[int]
    lots: _containers.RepeatedCompositeFieldContainer[Lot]
    def __init__(self, lots: _Optional[_Iterable[_Union[Lot, _Mapping]]] = ...) -> None: ...

class ResolveGs1KeyRequest(_message.Message):
    __slots__ = ("gtin", "serial", "lot_number")
    GTIN_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    gtin: str
    serial: str
    lot_number: str
    def __init__(self, gtin: _Optional[str] = ..., serial: _Optional[str] = ..., lot_number: _Optional[str] = ...) -> None: ...

class ResolveGs1KeyResponse(_message.Message):
    __slots__ = ("product", "unit", "lot")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    product: Product
    unit: Unit
    lot: Lot
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ..., unit: _Optional[_Union[Unit, _Mapping]] = ..., lot: _Optional[_Union[Lot, _Mapping]] = ...) -> None: ...

class Provenance(_message.Message):
    __slots__ = ("import_batch_id", "file", "row")
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    file: str
    row: int
    def __init__(self, import_batch_id: _Optional[str] = ..., file: _Optional[str] = ..., row: _Optional[int] = ...) -> None: ...

class ImportFileCount(_message.Message):
    __slots__ = ("file", "rows", "applied")
    FILE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    file: str
    rows: int
    applied: int
    def __init__(self, file: _Optional[str] = ..., rows: _Optional[int] = ..., applied: _Optional[int] = ...) -> None: ...

class ImportBatch(_message.Message):
    __slots__ = ("id", "name", "state", "files", "created_at", "created_by", "updated_at", "content_sha256")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    state: ImportBatchState
    files: _containers.RepeatedCompositeFieldContainer[ImportFileCount]
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    updated_at: _timestamp_pb2.Timestamp
    content_sha256: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., state: _Optional[_Union[ImportBatchState, str]] = ..., files: _Optional[_Iterable[_Union[ImportFileCount, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content_sha256: _Optional[str] = ...) -> None: ...

class CreateImportBatchRequest(_message.Message):
    __slots__ = ("name", "content_sha256", "files", "idempotency_key")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    name: str
    content_sha256: str
    files: _containers.RepeatedCompositeFieldContainer[ImportFileCount]
    idempotency_key: str
    def __init__(self, name: _Optional[str] = ..., content_sha256: _Optional[str] = ..., files: _Optional[_Iterable[_Union[ImportFileCount, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateImportBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: ImportBatch
    def __init__(self, batch: _Optional[_Union[ImportBatch, _Mapping]] = ...) -> None: ...

class SetImportBatchStateRequest(_message.Message):
    __slots__ = ("id", "state", "files", "idempotency_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    state: ImportBatchState
    files: _containers.RepeatedCompositeFieldContainer[ImportFileCount]
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., state: _Optional[_Union[ImportBatchState, str]] = ..., files: _Optional[_Iterable[_Union[ImportFileCount, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SetImportBatchStateResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: ImportBatch
    def __init__(self, batch: _Optional[_Union[ImportBatch, _Mapping]] = ...) -> None: ...

class ListImportBatchesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListImportBatchesResponse(_message.Message):
    __slots__ = ("batches",)
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[ImportBatch]
    def __init__(self, batches: _Optional[_Iterable[_Union[ImportBatch, _Mapping]]] = ...) -> None: ...

class BatchGetImportBatchesRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetImportBatchesResponse(_message.Message):
    __slots__ = ("batches",)
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[ImportBatch]
    def __init__(self, batches: _Optional[_Iterable[_Union[ImportBatch, _Mapping]]] = ...) -> None: ...

class ImportedUnit(_message.Message):
    __slots__ = ("sku", "serial", "attributes_json", "aliases", "source", "created_at", "provenance", "idempotency_key")
    SKU_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    serial: str
    attributes_json: str
    aliases: _containers.RepeatedCompositeFieldContainer[UnitAlias]
    source: UnitSource
    created_at: _timestamp_pb2.Timestamp
    provenance: Provenance
    idempotency_key: str
    def __init__(self, sku: _Optional[str] = ..., serial: _Optional[str] = ..., attributes_json: _Optional[str] = ..., aliases: _Optional[_Iterable[_Union[UnitAlias, _Mapping]]] = ..., source: _Optional[_Union[UnitSource, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportUnitsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedUnit]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedUnit, _Mapping]]] = ...) -> None: ...

class ImportUnitOutcome(_message.Message):
    __slots__ = ("unit", "error")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    unit: Unit
    error: _core_pb2.ItemError
    def __init__(self, unit: _Optional[_Union[Unit, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportUnitsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportUnitOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportUnitOutcome, _Mapping]]] = ...) -> None: ...

class ImportedLot(_message.Message):
    __slots__ = ("lot", "provenance", "idempotency_key")
    LOT_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    lot: Lot
    provenance: Provenance
    idempotency_key: str
    def __init__(self, lot: _Optional[_Union[Lot, _Mapping]] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportLotsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ImportedLot]
    def __init__(self, items: _Optional[_Iterable[_Union[ImportedLot, _Mapping]]] = ...) -> None: ...

class ImportLotOutcome(_message.Message):
    __slots__ = ("lot", "error")
    LOT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    lot: Lot
    error: _core_pb2.ItemError
    def __init__(self, lot: _Optional[_Union[Lot, _Mapping]] = ..., error: _Optional[_Union[_core_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ImportLotsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportLotOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ImportLotOutcome, _Mapping]]] = ...) -> None: ...

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

class ListImportedFactsRequest(_message.Message):
    __slots__ = ("import_batch_id", "entity_type", "page_size", "page_token")
    IMPORT_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    import_batch_id: str
    entity_type: str
    page_size: int
    page_token: str
    def __init__(self, import_batch_id: _Optional[str] = ..., entity_type: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListImportedFactsResponse(_message.Message):
    __slots__ = ("entity_ids", "next_page_token")
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, entity_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTraceFactsRequest(_message.Message):
    __slots__ = ("units", "lots", "product_skus", "bom_skus", "party_codes", "location_codes", "audit_entries")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_SKUS_FIELD_NUMBER: _ClassVar[int]
    BOM_SKUS_FIELD_NUMBER: _ClassVar[int]
    PARTY_CODES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODES_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_core_pb2.UnitKey]
    lots: _containers.RepeatedCompositeFieldContainer[_core_pb2.LotKey]
    product_skus: _containers.RepeatedScalarFieldContainer[str]
    bom_skus: _containers.RepeatedScalarFieldContainer[str]
    party_codes: _containers.RepeatedScalarFieldContainer[str]
    location_codes: _containers.RepeatedScalarFieldContainer[str]
    audit_entries: bool
    def __init__(self, units: _Optional[_Iterable[_Union[_core_pb2.UnitKey, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[_core_pb2.LotKey, _Mapping]]] = ..., product_skus: _Optional[_Iterable[str]] = ..., bom_skus: _Optional[_Iterable[str]] = ..., party_codes: _Optional[_Iterable[str]] = ..., location_codes: _Optional[_Iterable[str]] = ..., audit_entries: _Optional[bool] = ...) -> None: ...

class GetTraceFactsResponse(_message.Message):
    __slots__ = ("units", "lots", "products", "bom_revisions", "parties", "locations", "audit_entries")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    BOM_REVISIONS_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    lots: _containers.RepeatedCompositeFieldContainer[Lot]
    products: _containers.RepeatedCompositeFieldContainer[Product]
    bom_revisions: _containers.RepeatedCompositeFieldContainer[BomRevision]
    parties: _containers.RepeatedCompositeFieldContainer[Party]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    audit_entries: _containers.RepeatedCompositeFieldContainer[_core_pb2.AuditEntry]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[Lot, _Mapping]]] = ..., products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ..., bom_revisions: _Optional[_Iterable[_Union[BomRevision, _Mapping]]] = ..., parties: _Optional[_Iterable[_Union[Party, _Mapping]]] = ..., locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ..., audit_entries: _Optional[_Iterable[_Union[_core_pb2.AuditEntry, _Mapping]]] = ...) -> None: ...
