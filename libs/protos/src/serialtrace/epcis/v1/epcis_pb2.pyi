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

class CaptureErrorBehaviour(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_ERROR_BEHAVIOUR_UNSPECIFIED: _ClassVar[CaptureErrorBehaviour]
    CAPTURE_ERROR_BEHAVIOUR_ROLLBACK: _ClassVar[CaptureErrorBehaviour]
    CAPTURE_ERROR_BEHAVIOUR_PROCEED: _ClassVar[CaptureErrorBehaviour]
CAPTURE_ERROR_BEHAVIOUR_UNSPECIFIED: CaptureErrorBehaviour
CAPTURE_ERROR_BEHAVIOUR_ROLLBACK: CaptureErrorBehaviour
CAPTURE_ERROR_BEHAVIOUR_PROCEED: CaptureErrorBehaviour

class CaptureError(_message.Message):
    __slots__ = ("event_index", "event_id", "code", "pointer", "message")
    EVENT_INDEX_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    POINTER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    event_index: int
    event_id: str
    code: str
    pointer: str
    message: str
    def __init__(self, event_index: _Optional[int] = ..., event_id: _Optional[str] = ..., code: _Optional[str] = ..., pointer: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class CaptureJob(_message.Message):
    __slots__ = ("capture_id", "created_at", "finished_at", "running", "success", "capture_error_behaviour", "errors", "event_count", "captured_count")
    CAPTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_ERROR_BEHAVIOUR_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_COUNT_FIELD_NUMBER: _ClassVar[int]
    capture_id: str
    created_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    running: bool
    success: bool
    capture_error_behaviour: CaptureErrorBehaviour
    errors: _containers.RepeatedCompositeFieldContainer[CaptureError]
    event_count: int
    captured_count: int
    def __init__(self, capture_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., running: _Optional[bool] = ..., success: _Optional[bool] = ..., capture_error_behaviour: _Optional[_Union[CaptureErrorBehaviour, str]] = ..., errors: _Optional[_Iterable[_Union[CaptureError, _Mapping]]] = ..., event_count: _Optional[int] = ..., captured_count: _Optional[int] = ...) -> None: ...

class CaptureRequest(_message.Message):
    __slots__ = ("document_json", "capture_error_behaviour")
    DOCUMENT_JSON_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_ERROR_BEHAVIOUR_FIELD_NUMBER: _ClassVar[int]
    document_json: bytes
    capture_error_behaviour: CaptureErrorBehaviour
    def __init__(self, document_json: _Optional[bytes] = ..., capture_error_behaviour: _Optional[_Union[CaptureErrorBehaviour, str]] = ...) -> None: ...

class CaptureResponse(_message.Message):
    __slots__ = ("job", "violations")
    JOB_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    job: CaptureJob
    violations: _containers.RepeatedCompositeFieldContainer[CaptureError]
    def __init__(self, job: _Optional[_Union[CaptureJob, _Mapping]] = ..., violations: _Optional[_Iterable[_Union[CaptureError, _Mapping]]] = ...) -> None: ...

class GetCaptureJobRequest(_message.Message):
    __slots__ = ("capture_id",)
    CAPTURE_ID_FIELD_NUMBER: _ClassVar[int]
    capture_id: str
    def __init__(self, capture_id: _Optional[str] = ...) -> None: ...

class GetCaptureJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: CaptureJob
    def __init__(self, job: _Optional[_Union[CaptureJob, _Mapping]] = ...) -> None: ...

class CaptureEventRequest(_message.Message):
    __slots__ = ("event_json",)
    EVENT_JSON_FIELD_NUMBER: _ClassVar[int]
    event_json: bytes
    def __init__(self, event_json: _Optional[bytes] = ...) -> None: ...

class CaptureEventResponse(_message.Message):
    __slots__ = ("event_id", "record_time", "violations")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    record_time: _timestamp_pb2.Timestamp
    violations: _containers.RepeatedCompositeFieldContainer[CaptureError]
    def __init__(self, event_id: _Optional[str] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., violations: _Optional[_Iterable[_Union[CaptureError, _Mapping]]] = ...) -> None: ...

class QueryParameter(_message.Message):
    __slots__ = ("name", "argument")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    argument: str
    def __init__(self, name: _Optional[str] = ..., argument: _Optional[str] = ...) -> None: ...

class QueryEventsRequest(_message.Message):
    __slots__ = ("parameters", "page_size", "page_token")
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parameters: _containers.RepeatedCompositeFieldContainer[QueryParameter]
    page_size: int
    page_token: str
    def __init__(self, parameters: _Optional[_Iterable[_Union[QueryParameter, _Mapping]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class StoredEvent(_message.Message):
    __slots__ = ("event_json", "context_json")
    EVENT_JSON_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_JSON_FIELD_NUMBER: _ClassVar[int]
    event_json: str
    context_json: str
    def __init__(self, event_json: _Optional[str] = ..., context_json: _Optional[str] = ...) -> None: ...

class QueryEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[StoredEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[StoredEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class GetEventResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[StoredEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[StoredEvent, _Mapping]]] = ...) -> None: ...

class GetFollowerPositionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetFollowerPositionsResponse(_message.Message):
    __slots__ = ("positions",)
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    positions: _containers.RepeatedCompositeFieldContainer[FollowerPosition]
    def __init__(self, positions: _Optional[_Iterable[_Union[FollowerPosition, _Mapping]]] = ...) -> None: ...

class FollowerPosition(_message.Message):
    __slots__ = ("service", "last_seq")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    service: str
    last_seq: int
    def __init__(self, service: _Optional[str] = ..., last_seq: _Optional[int] = ...) -> None: ...
