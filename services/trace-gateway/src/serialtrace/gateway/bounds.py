"""The bounds on every argument of the graph, checked before any service is called.

Each text argument and input field (at any depth, literal or variable) is held to the
limit libs/common's validation table gives its name; each list to its maximum size; a
required (non-null) text may not be blank. The first value out of bounds fails the
whole request with BAD_USER_INPUT naming the field and the limit, and the message
quotes none of the value. The services check the same bounds again for their own
gRPC callers.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    Visitor,
    value_from_ast,
    visit,
)
from graphql.pyutils import Undefined

from serialtrace.common import validation
from serialtrace.common.errors import InvalidArgument
from serialtrace.common.validation import TextLimit

# Where the graph's names mean something else than the same name elsewhere.
_FIELD_TEXT_LIMITS: dict[tuple[str, str], TextLimit] = {
    ("scan", "code"): validation.SCAN_CODE,  # what a scanner read, not a party code
}
_LIST_LIMITS: dict[str, int] = {
    "items": 1_000,  # BOM lines of one revision
}
_JSON_SCALARS = frozenset({"JSON"})
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    """`toLocationCode` → `to_location_code`: the name the limits table knows."""
    return _CAMEL.sub("_", name).lower()


@dataclass(frozen=True)
class _Argument:
    """One argument as written in a document: where, its type, its (unevaluated) value."""

    field: str  # the field it is an argument of, e.g. moveStock
    name: str
    type: GraphQLInputType
    value: ValueNode


class InputOutOfBounds(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def graphql_error(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": "BAD_USER_INPUT"})


class Bounds:
    """Checks a document's arguments; remembers where each document has arguments (the
    gateway sees the same few documents again and again)."""

    def __init__(self, schema: GraphQLSchema, cache_size: int = 256) -> None:
        self.schema, self.cache_size = schema, cache_size
        self._arguments: OrderedDict[str, list[_Argument]] = OrderedDict()

    def check(self, query: str, document: DocumentNode, variables: dict[str, Any] | None) -> None:
        """Raises InputOutOfBounds for the first argument value out of bounds."""
        for argument in self._arguments_of(query, document):
            value = value_from_ast(argument.value, argument.type, variables or {})
            if value is None or value is Undefined:
                continue  # absent, null, or of the wrong type (execution rejects it)
            label = f"{argument.field}: {argument.name}"
            _check(value, argument.type, label, argument.name, argument.field)

    def _arguments_of(self, query: str, document: DocumentNode) -> list[_Argument]:
        known = self._arguments.get(query)
        if known is not None:
            self._arguments.move_to_end(query)
            return known
        found = list(_arguments(self.schema, document))
        self._arguments[query] = found
        if len(self._arguments) > self.cache_size:
            self._arguments.popitem(last=False)
        return found


def _arguments(schema: GraphQLSchema, document: DocumentNode) -> list[_Argument]:
    type_info = TypeInfo(schema)
    found: list[_Argument] = []

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            field = type_info.get_field_def()
            if field is None or not node.arguments:
                return
            for argument_node in node.arguments:
                argument: GraphQLArgument | None = field.args.get(argument_node.name.value)
                if argument is not None:
                    found.append(
                        _Argument(
                            node.name.value,
                            argument_node.name.value,
                            argument.type,
                            argument_node.value,
                        )
                    )

    visit(document, TypeInfoVisitor(type_info, Collect()))
    return found


def _check(value: Any, type_: GraphQLInputType, path: str, name: str, field: str) -> None:
    required = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if value is None or value is Undefined:
        return
    if isinstance(inner, GraphQLList):
        if not isinstance(value, list):
            value = [value]  # GraphQL coerces a lone value into a list of one
        most = _LIST_LIMITS.get(snake(name), validation.list_limit(snake(name)))
        if len(value) > most:
            raise InputOutOfBounds(
                f"{path} holds {len(value):,} items; the limit is {most:,}; split the request"
            )
        for i, item in enumerate(value):
            _check(item, inner.of_type, f"{path}[{i}]", name, field)
        return
    if isinstance(inner, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return
        for field_name, input_field in inner.fields.items():
            key = input_field.out_name or field_name
            if key in value:
                _check(value[key], input_field.type, f"{path}.{field_name}", field_name, field)
        return
    if isinstance(inner, GraphQLScalarType) and inner.name in _JSON_SCALARS:
        size = len(json.dumps(value, separators=(",", ":")).encode())
        most = validation.JSON_TEXT.max_length
        if size > most:
            raise InputOutOfBounds(f"{path} is {size:,} bytes as JSON; the limit is {most:,}")
        return
    if isinstance(value, str):
        limit = _FIELD_TEXT_LIMITS.get((field, name)) or validation.text_limit(snake(name))
        try:
            validation.check_text(value, path, limit, required=required)
        except InvalidArgument as error:
            raise InputOutOfBounds(error.message) from None
