"""How the services' messages become graph values: optional text, JSON, times, enums,
and the request's facts a field shows (one named thing, or a list under a key)."""

from __future__ import annotations

import enum
import functools
import json
import operator
import typing
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any, Self, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition

from serialtrace.common.errors import NotFound, ServiceError
from serialtrace.common.protomap import enum_str
from serialtrace.common.timeutil import from_timestamp
from serialtrace.gateway.context import Ctx, GatewayContext
from serialtrace.gateway.facts import RAISE, Facts
from serialtrace.gateway.proto_enums import GRAPH_ENUMS, GraphEnum

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
M = TypeVar("M")  # a service's message


@functools.cache  # few enums, few values each: a trace converts the same ones hundreds of times
def from_proto(cls: type[E], proto_enum: Any, value: int) -> E | None:
    """The graph enum for a proto enum value (None for unspecified)."""
    name = enum_str(proto_enum, value)
    return cls[name] if name else None


def text_or_none(value: str) -> str | None:
    return value or None


def json_or_empty(text: str) -> Any:
    return json.loads(text) if text else {}


def required_time(stamp: Any) -> datetime:
    value = from_timestamp(stamp)
    if value is None:
        raise ServiceError("a service returned a record without its time")
    return value


def request_facts(context: GatewayContext) -> Facts | None:
    """What a graph value marked `completed_once` rests on: this request's facts (new
    after each mutation), unless a service failed (its errors belong at every path)."""
    facts = context.facts
    return None if facts.failed else facts


def mapped(cls: Callable[..., T], message: Any, **given: Any) -> T:
    """`cls(**given)`, each other field of the graph type read from the message field of
    the same name and converted as the field's declared type says: an ID from its text,
    a datetime from its timestamp (required unless the field may be null), JSON from the
    message's `<name>_json` text ({} when empty), text that may be null from text (null
    when empty), a graph enum from its proto enum (unset: null, or the value its
    `GraphEnum.unset` names), other scalars and private text as they are. Any other
    field is given."""
    read = {name: convert(message) for name, convert in _readers(cls) if name not in given}
    return cls(**given, **read)


class FromMessage:
    """A graph type whose every field `mapped` reads from the service's message."""

    @classmethod
    def of(cls, message: Any) -> Self:
        return mapped(cls, message)


@functools.cache  # once per graph type
def _readers(cls: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    readers = []
    for field in cls.__strawberry_definition__.fields:
        if field.base_resolver is None and (reader := _reader(field.python_name, field.type)):
            readers.append((field.python_name, reader))
    # Private text (a code or id a resolver names), as it is.
    for name, hint in typing.get_type_hints(cls, include_extras=True).items():
        if hint == strawberry.Private[str]:
            readers.append((name, operator.attrgetter(name)))
    return readers


_GRAPH_ENUMS = {graph_enum.name: graph_enum for graph_enum in GRAPH_ENUMS}


def _reader(name: str, declared: Any) -> Callable[[Any], Any] | None:
    nullable = isinstance(declared, StrawberryOptional)
    of = declared.of_type if nullable else declared
    if of is strawberry.ID:
        return lambda m: strawberry.ID(getattr(m, name))
    if of is JSON:
        return lambda m: json_or_empty(getattr(m, f"{name}_json"))
    if of is datetime:
        at = from_timestamp if nullable else required_time
        return lambda m: at(getattr(m, name))
    if isinstance(of, StrawberryEnumDefinition) and of.name in _GRAPH_ENUMS:
        return _enum_reader(name, of.wrapped_cls, _GRAPH_ENUMS[of.name], nullable)
    if of is str and nullable:
        return lambda m: text_or_none(getattr(m, name))
    if of in (str, int, float, bool) and not nullable:
        return operator.attrgetter(name)
    return None


def _enum_reader(
    name: str, cls: Any, graph_enum: GraphEnum, nullable: bool
) -> Callable[[Any], Any] | None:
    proto = graph_enum.proto
    if nullable:
        return lambda m: from_proto(cls, proto, getattr(m, name))
    if graph_enum.unset is None:
        return None
    unset = cls[graph_enum.unset]
    return lambda m: from_proto(cls, proto, getattr(m, name)) or unset


def named(
    info: Ctx,
    kind: str,
    key: str,
    table: Callable[[Facts], Mapping[str, M]],
    make: Callable[[M], T],
    missing: str | None = None,
) -> T | None:
    """The `kind` a field names by `key` in the facts' `table`, made a graph value; None
    when the field names none (an empty key) or the service has no such thing, or
    NotFound(`missing`) for a field that cannot be null."""
    if not key and missing is None:
        return None
    facts = info.context.facts
    return facts.entity(info, kind, key, table(facts), make, missing)


def named_field(
    graph_type: Any,
    find: Callable[..., Any],
    attribute: str,
    description: str | None = None,
    required: str | None = None,
) -> Any:
    """A field showing the `graph_type` that `find` gets by the value's `attribute` (a
    code or an id): `location = named_field(Location, location_of, "location_code")`.
    Null when there is none, unless `required` names it for the NotFound error
    ("location" → "location X does not exist")."""

    def resolve(root: Any, info: Ctx) -> Any:
        key = getattr(root, attribute)
        if required is None:
            return find(info, key)
        return find(info, key, f"{required} {key} does not exist")

    shown = graph_type if required is not None else graph_type | None
    return strawberry.field(resolver=resolve, graphql_type=shown, description=description)


def registered(
    info: Ctx,
    kind: str,
    key: Hashable,
    table: Callable[[Facts], Mapping[Any, M]],
    missing: str,
    then: Callable[[M], T],
) -> T:
    """`then(entry)` of the registry entry (a unit's, a lot's) under `key` in the facts'
    `table`; NotFound(`missing`) when the registry has none."""
    facts = info.context.facts

    def found() -> T:
        entry = table(facts).get(key)
        if entry is None:
            raise NotFound(missing)
        return then(entry)

    return facts.read(info, kind, key, found)


def listed(
    info: Ctx,
    kind: str,
    key: Hashable,
    table: Callable[[Facts], Mapping[Any, Iterable[M]]],
    make: Callable[[M], T],
    fallback: Any = RAISE,
) -> list[T]:
    """The messages the facts' `table` holds under `key`, each made a graph value."""
    facts = info.context.facts
    return facts.read(
        info, kind, key, lambda: [make(m) for m in table(facts).get(key, ())], fallback
    )


def by_ids(
    info: Ctx,
    kind: str,
    ids: list[str],
    table: Callable[[Facts], Mapping[str, M]],
    make: Callable[[M], T],
    fallback: Any = RAISE,
) -> list[T]:
    """The `kind`s with these ids the service has, in the ids' order, made graph values."""
    facts = info.context.facts

    def made() -> list[T]:
        found = table(facts)
        return [make(found[i]) for i in ids if i in found]

    return facts.read_many(info, kind, ids, made, fallback)
