"""RPCs declared once: each service lists its RPCs in one table, this module serves them.

Who may call an RPC is declared on the RPC in its .proto (`option
(serialtrace.core.v1.access)`); request and response types come from the same
descriptor. A service's table says only what kind of RPC each one is and which function
answers it:

    RPCS = {
        "ReceiveLot": rpc.write(receive_lot),              # idempotent, audited, one transaction
        "BatchGetShipments": rpc.lookup(usecases.shipments, "ids", shipment_message),  # rows
        "ListShipmentUnits": rpc.read(list_shipment_units),  # a read session, any answer
        "MoveUnits": rpc.each("MoveUnit", move, moved, most=500, what="moves"),  # per item
        "ImportLots": rpc.custom(import_lots),               # anything else
        "ResolveGs1Key": rpc.custom(resolve_gs1_key),        # (e.g. a sessionless read)
    }
    METHOD_ROLES = rpc.implement(WarehouseServicer, SERVICE, RPCS)

`implement` refuses a table that misses an RPC or names one the proto does not have,
and a proto RPC without a declared access, so a new RPC cannot be served unguarded.
The gateway reads the same declaration through `declared_roles`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import grpc
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from sqlalchemy.orm import Session

from serialtrace.common import keys
from serialtrace.common.access import declared_roles, method_roles, roles_of
from serialtrace.common.auth import Role
from serialtrace.common.db import Database
from serialtrace.common.errors import ServiceError, item_outcomes
from serialtrace.common.server import GrpcService
from serialtrace.common.uow import Mutations, UnitOfWork
from serialtrace.common.validation import MAX_BATCH, check_batch


@dataclass(eq=False)
class Servicer:
    """What every declared handler gets as its first argument: the service's database
    and the runner of its mutations. A service's servicer is a dataclass of it that
    declares its peers and options as fields."""

    database: Database
    mutations: Mutations = field(init=False)

    def __post_init__(self) -> None:
        self.mutations = Mutations(self.database)


__all__ = [
    "Custom",
    "Each",
    "Lookup",
    "Read",
    "Rpc",
    "Servicer",
    "Write",
    "custom",
    "declared_roles",
    "each",
    "grpc_service",
    "implement",
    "lookup",
    "method_roles",
    "read",
    "roles_of",
    "write",
]

WriteHandler = Callable[[Any, UnitOfWork, Any], Message]
ReadHandler = Callable[[Any, Session, Any], Message]
CustomHandler = Callable[[Any, Any], Message]


@dataclass(frozen=True)
class Write:
    """A mutation: idempotent by the request's key, audited, all in one transaction."""

    handler: WriteHandler


@dataclass(frozen=True)
class Read:
    """A read in one read-only session; `batch` names the repeated request field (or
    fields, counted together) whose size is bounded by `most` (INVALID_ARGUMENT above it),
    `what` how the error names them (the field's name by default)."""

    handler: ReadHandler
    batch: str | tuple[str, ...] | None = None
    most: int = MAX_BATCH
    what: str | None = None


@dataclass(frozen=True)
class Lookup:
    """A read by request fields: `find(session, keys(request.<field>), ...)` (one `keys`
    for every field, or one each), each row it returns mapped by `to_message` into the
    response's only field. Repeated fields are bounded as in `Read`.

    Without `keys`, each field becomes what its type says: `UnitKey` and `LotKey`
    messages the named tuples of `serialtrace.common.keys` (a list of them when
    repeated), other repeated fields a list, scalars themselves."""

    find: Callable[..., Iterable[Any]]
    fields: str | tuple[str, ...]
    to_message: Callable[[Any], Message]
    keys: Callable[[Any], Any] | tuple[Callable[[Any], Any], ...] | None = None
    most: int = MAX_BATCH
    what: str | None = None

    def as_read(self, method: MethodDescriptor) -> Read:
        response_type: type[Message] = GetMessageClass(method.output_type)
        answer = method.output_type.fields
        if len(answer) != 1:
            raise RuntimeError(f"{response_type.__name__}: a lookup answers with one field")
        into = answer[0].name
        names = (self.fields,) if isinstance(self.fields, str) else self.fields
        asked = method.input_type.fields_by_name
        if self.keys is None:
            keys = tuple(_keys_of(asked[n]) for n in names)
        else:
            keys = self.keys if isinstance(self.keys, tuple) else (self.keys,) * len(names)

        def handler(servicer: Any, session: Session, request: Any) -> Message:
            args = [key(getattr(request, name)) for name, key in zip(names, keys, strict=True)]
            rows = self.find(session, *args)
            return response_type(**{into: [self.to_message(row) for row in rows]})

        repeated = tuple(n for n in names if asked[n].is_repeated)
        return Read(handler, repeated or None, self.most, self.what)


_KEYS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "serialtrace.core.v1.UnitKey": (keys.unit_key, keys.unit_keys),
    "serialtrace.core.v1.LotKey": (keys.lot_key, keys.lot_keys),
}


def _keys_of(field: FieldDescriptor) -> Callable[[Any], Any]:
    """How a lookup's request field becomes its use case's argument, by the field's type."""
    if field.message_type is not None and field.message_type.full_name in _KEYS:
        one, many = _KEYS[field.message_type.full_name]
        return many if field.is_repeated else one
    if field.is_repeated:
        return list
    return _itself


def _itself(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Each:
    """A batch of writes, each item a `method` request (another RPC of the service) with
    its own idempotency key and outcome (`Mutations.run_each`). The request's only field
    holds the items, at most `most` (`what` names them in the error); `run(servicer, uow,
    items)` is the use case for the items not answered before (a result or a ServiceError
    each), `reply(servicer, uow, result)` what a lone `method` call answers for one that
    succeeded. The response's `outcomes` carry each item's error or, in the outcome's
    other field, that reply (or its field of that name)."""

    method: str
    run: Callable[[Any, UnitOfWork, list[Any]], list[Any]]
    reply: Callable[[Any, UnitOfWork, Any], Message]
    most: int
    what: str


@dataclass(frozen=True)
class Custom:
    """Anything else (batch mutations with an outcome per item, reads that open no
    session but call `Database.read_entities`): (servicer, request)."""

    handler: CustomHandler


Rpc = Write | Read | Lookup | Each | Custom


def write(handler: WriteHandler) -> Write:
    return Write(handler)


def read(
    handler: ReadHandler,
    batch: str | tuple[str, ...] | None = None,
    most: int = MAX_BATCH,
    what: str | None = None,
) -> Read:
    return Read(handler, batch, most, what)


def lookup(
    find: Callable[..., Iterable[Any]],
    fields: str | tuple[str, ...],
    to_message: Callable[[Any], Message],
    *,
    keys: Callable[[Any], Any] | tuple[Callable[[Any], Any], ...] | None = None,
    most: int = MAX_BATCH,
    what: str | None = None,
) -> Lookup:
    return Lookup(find, fields, to_message, keys, most, what)


def each(
    method: str,
    run: Callable[[Any, UnitOfWork, list[Any]], list[Any]],
    reply: Callable[[Any, UnitOfWork, Any], Message],
    *,
    most: int,
    what: str,
) -> Each:
    return Each(method, run, reply, most, what)


def custom(handler: CustomHandler) -> Custom:
    return Custom(handler)


def implement(
    servicer: type[Servicer], service: ServiceDescriptor, table: Mapping[str, Rpc]
) -> dict[str, frozenset[Role]]:
    """Gives `servicer` one gRPC method per RPC of `service`, answered from `table`;
    returns each RPC's declared roles (what the server's auth interceptor checks)."""
    declared = {m.name for m in service.methods}
    if set(table) != declared:
        raise RuntimeError(
            f"{service.full_name}: table lacks {sorted(declared - set(table))}, "
            f"names unknown {sorted(set(table) - declared)}"
        )
    roles = method_roles(service)  # every RPC declares its access
    for method in service.methods:
        setattr(servicer, method.name, _method(method, table[method.name]))
    return roles


def _method(method: MethodDescriptor, entry: Rpc) -> Callable[[Servicer, Any, Any], Message]:
    name = method.name
    response_type: type[Message] = GetMessageClass(method.output_type)
    if isinstance(entry, Lookup):
        entry = entry.as_read(method)
    if isinstance(entry, Write):
        handler = entry.handler

        def call_write(self: Servicer, request: Any, context: grpc.ServicerContext) -> Message:
            return self.mutations.run(
                name, request, response_type, lambda uow: handler(self, uow, request)
            )

        call_write.__name__ = name
        return call_write
    if isinstance(entry, Read):
        read_entry = entry

        def call_read(self: Servicer, request: Any, context: grpc.ServicerContext) -> Message:
            fields = read_entry.batch
            if fields is not None:
                names = (fields,) if isinstance(fields, str) else fields
                size = sum(len(getattr(request, name)) for name in names)
                check_batch(size, read_entry.what or " and ".join(names), read_entry.most)
            return self.database.read(lambda session: read_entry.handler(self, session, request))

        call_read.__name__ = name
        return call_read
    if isinstance(entry, Each):
        return _each_method(method, entry)
    custom_handler = entry.handler

    def call_custom(self: Servicer, request: Any, context: grpc.ServicerContext) -> Message:
        return custom_handler(self, request)

    call_custom.__name__ = name
    return call_custom


def _each_method(method: MethodDescriptor, entry: Each) -> Callable[[Servicer, Any, Any], Message]:
    lone = method.containing_service.methods_by_name[entry.method]
    reply_type: type[Message] = GetMessageClass(lone.output_type)
    response_type: type[Message] = GetMessageClass(method.output_type)
    items, outcome = method.input_type.fields, method.output_type.fields_by_name["outcomes"]
    assert outcome.message_type is not None  # `outcomes` is a message field
    answers = [f for f in outcome.message_type.fields if f.name != "error"]
    if len(items) != 1 or len(answers) != 1:
        raise RuntimeError(f"{method.full_name}: a batch has one items field, one answer field")
    batch, answered = items[0].name, answers[0]
    outcome_type = GetMessageClass(outcome.message_type)
    # The outcome carries the whole lone reply, or the reply's field of the same name.
    whole = answered.message_type is not None and (
        answered.message_type.full_name == lone.output_type.full_name
    )

    def answer(reply: Message) -> Any:
        return reply if whole else getattr(reply, answered.name)

    def call_each(self: Servicer, request: Any, context: grpc.ServicerContext) -> Message:
        requests = getattr(request, batch)
        check_batch(len(requests), entry.what, entry.most)

        def handle(uow: UnitOfWork, fresh: list[Any]) -> list[Any]:
            done = entry.run(self, uow, fresh)
            return [d if isinstance(d, ServiceError) else entry.reply(self, uow, d) for d in done]

        results = self.mutations.run_each(entry.method, requests, reply_type, handle)
        return response_type(outcomes=item_outcomes(outcome_type, answered.name, results, answer))

    call_each.__name__ = method.name
    return call_each


def grpc_service(service: ServiceDescriptor, stubs: ModuleType, servicer: Servicer) -> GrpcService:
    """`servicer` to mount, with the roles its .proto declares; `stubs` is the service's
    generated `*_pb2_grpc` module, whose `add_<Service>Servicer_to_server` mounts it."""
    add = getattr(stubs, f"add_{service.name}Servicer_to_server")
    return GrpcService(service, method_roles(service), lambda server: add(servicer, server))
