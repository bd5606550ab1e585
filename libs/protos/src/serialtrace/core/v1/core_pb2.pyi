import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from serialtrace.core.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Result(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESULT_UNSPECIFIED: _ClassVar[Result]
    RESULT_PASS: _ClassVar[Result]
    RESULT_FAIL: _ClassVar[Result]
RESULT_UNSPECIFIED: Result
RESULT_PASS: Result
RESULT_FAIL: Result

class UnitKey(_message.Message):
    __slots__ = ("sku", "serial")
    SKU_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    sku: str
    serial: str
    def __init__(self, sku: _Optional[str] = ..., serial: _Optional[str] = ...) -> None: ...

class UnitKeyColumns(_message.Message):
    __slots__ = ("skus", "serials")
    SKUS_FIELD_NUMBER: _ClassVar[int]
    SERIALS_FIELD_NUMBER: _ClassVar[int]
    skus: _containers.RepeatedScalarFieldContainer[str]
    serials: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, skus: _Optional[_Iterable[str]] = ..., serials: _Optional[_Iterable[str]] = ...) -> None: ...

class LotKey(_message.Message):
    __slots__ = ("sku", "lot_number")
    SKU_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    sku: str
    lot_number: str
    def __init__(self, sku: _Optional[str] = ..., lot_number: _Optional[str] = ...) -> None: ...

class LotQuantity(_message.Message):
    __slots__ = ("lot", "quantity")
    LOT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    lot: LotKey
    quantity: float
    def __init__(self, lot: _Optional[_Union[LotKey, _Mapping]] = ..., quantity: _Optional[float] = ...) -> None: ...

class Signature(_message.Message):
    __slots__ = ("by", "at", "meaning")
    BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    by: str
    at: _timestamp_pb2.Timestamp
    meaning: str
    def __init__(self, by: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., meaning: _Optional[str] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("service", "seq", "at", "actor", "action", "entity_type", "entity_id", "payload_json", "prev_hash", "hash")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    service: str
    seq: int
    at: _timestamp_pb2.Timestamp
    actor: str
    action: str
    entity_type: str
    entity_id: str
    payload_json: str
    prev_hash: str
    hash: str
    def __init__(self, service: _Optional[str] = ..., seq: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., entity_type: _Optional[str] = ..., entity_id: _Optional[str] = ..., payload_json: _Optional[str] = ..., prev_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class LedgerCheckpoint(_message.Message):
    __slots__ = ("service", "seq", "hash", "signed_at", "key_id", "signature")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    service: str
    seq: int
    hash: str
    signed_at: _timestamp_pb2.Timestamp
    key_id: str
    signature: str
    def __init__(self, service: _Optional[str] = ..., seq: _Optional[int] = ..., hash: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., signature: _Optional[str] = ...) -> None: ...

class SignCheckpointRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint", "public_key_pem")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    checkpoint: LedgerCheckpoint
    public_key_pem: str
    def __init__(self, checkpoint: _Optional[_Union[LedgerCheckpoint, _Mapping]] = ..., public_key_pem: _Optional[str] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoints", "public_key_pem")
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[LedgerCheckpoint]
    public_key_pem: str
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[LedgerCheckpoint, _Mapping]]] = ..., public_key_pem: _Optional[str] = ...) -> None: ...

class ListLedgerRangeRequest(_message.Message):
    __slots__ = ("from_seq", "to_seq")
    FROM_SEQ_FIELD_NUMBER: _ClassVar[int]
    TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    from_seq: int
    to_seq: int
    def __init__(self, from_seq: _Optional[int] = ..., to_seq: _Optional[int] = ...) -> None: ...

class ListLedgerRangeResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class ListAuditEntriesRequest(_message.Message):
    __slots__ = ("entity_type", "entity_ids", "limit", "lot_uses_in_units")
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    LOT_USES_IN_UNITS_FIELD_NUMBER: _ClassVar[int]
    entity_type: str
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    limit: int
    lot_uses_in_units: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entity_type: _Optional[str] = ..., entity_ids: _Optional[_Iterable[str]] = ..., limit: _Optional[int] = ..., lot_uses_in_units: _Optional[_Iterable[str]] = ...) -> None: ...

class ListAuditEntriesResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class VerifyLedgerRequest(_message.Message):
    __slots__ = ("checkpoints",)
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[LedgerCheckpoint]
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[LedgerCheckpoint, _Mapping]]] = ...) -> None: ...

class VerifyLedgerResponse(_message.Message):
    __slots__ = ("service", "entries", "ok", "head_hash", "first_broken_seq", "problem", "checkpoints", "last_checkpoint_seq", "last_checkpoint_at", "unsigned_entries", "key_id")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_SEQ_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECKPOINT_SEQ_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECKPOINT_AT_FIELD_NUMBER: _ClassVar[int]
    UNSIGNED_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    service: str
    entries: int
    ok: bool
    head_hash: str
    first_broken_seq: int
    problem: str
    checkpoints: int
    last_checkpoint_seq: int
    last_checkpoint_at: _timestamp_pb2.Timestamp
    unsigned_entries: int
    key_id: str
    def __init__(self, service: _Optional[str] = ..., entries: _Optional[int] = ..., ok: _Optional[bool] = ..., head_hash: _Optional[str] = ..., first_broken_seq: _Optional[int] = ..., problem: _Optional[str] = ..., checkpoints: _Optional[int] = ..., last_checkpoint_seq: _Optional[int] = ..., last_checkpoint_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unsigned_entries: _Optional[int] = ..., key_id: _Optional[str] = ...) -> None: ...

class GetGovernanceFactsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FactSet(_message.Message):
    __slots__ = ("name", "population", "offender_count", "offenders", "truncated")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    OFFENDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    OFFENDERS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    name: str
    population: int
    offender_count: int
    offenders: _containers.RepeatedScalarFieldContainer[str]
    truncated: bool
    def __init__(self, name: _Optional[str] = ..., population: _Optional[int] = ..., offender_count: _Optional[int] = ..., offenders: _Optional[_Iterable[str]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class RecallTiming(_message.Message):
    __slots__ = ("recall_id", "scope_ms", "created_at", "resolved_at")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_MS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    recall_id: str
    scope_ms: int
    created_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    def __init__(self, recall_id: _Optional[str] = ..., scope_ms: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetGovernanceFactsResponse(_message.Message):
    __slots__ = ("facts", "recalls")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    RECALLS_FIELD_NUMBER: _ClassVar[int]
    facts: _containers.RepeatedCompositeFieldContainer[FactSet]
    recalls: _containers.RepeatedCompositeFieldContainer[RecallTiming]
    def __init__(self, facts: _Optional[_Iterable[_Union[FactSet, _Mapping]]] = ..., recalls: _Optional[_Iterable[_Union[RecallTiming, _Mapping]]] = ...) -> None: ...

class ItemError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
