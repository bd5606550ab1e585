"""GraphQL execution that costs little per field.

A full trace answers some 1,700 fields. graphql-core gives each the same treatment: a
resolve-info record and a path, strawberry's resolver wrappers (an `Info`, arguments
converted, the field-extension chain), then value completion through a chain of
methods (non-null, list, leaf or object, each item of a list again). For a resolver
that reads prefetched facts and returns at once, that machinery is most of the cost.

`FastExecution` executes the same fields with less of it, the same answer:

- **Per field, a plan made once per schema** (`FieldPlan`): how to get the value (the
  attribute of a field without a resolver; the resolver's own function, called with its
  arguments as graphql-core coerced them, an async one's coroutine awaited as
  graphql-core awaits it; or graphql-core's way) and how to complete it
  (a chain of small functions for the field's type, made once: non-null, list, leaf,
  object). A plain leaf, a stored string, number, time or enum, is read and coerced
  in the loop itself.
- **No resolve info unless asked for.** A resolver that takes `info` gets a `FieldInfo`
  with the context and the path at hand; anything else it reads comes from strawberry's
  own `Info`, built on first use. Paths are made only where they are needed: for an
  object or a list (its items' parent), an error, an `info.path`.
- **graphql-core's own way for the rest**, per field: an awaitable item of a list, an
  abstract type, a type with `is_type_of`, a field with arguments of other types than
  built-in scalars, a value a type refuses, a null where the schema forbids one. Errors
  go through graphql-core's `handle_field_error`, so their paths, the nulls they
  propagate and partial results are graphql-core's. A document with `@defer` or
  `@stream`, or a schema extension that resolves fields (middleware), runs
  graphql-core's way throughout.

graphql-core collects the sub-fields of each (object type, selection) once per request;
the document stays parsed across requests (documents.py keeps it), so the executor
keeps what it collected with the document and reuses it, as long as nothing in it
depends on the request's variables: a document with a directive or a fragment variable
anywhere collects per request (which evaluates `@include`/`@skip`).

Strawberry calls resolvers through a chain of wrappers; `call_resolvers_directly` gives
argument-less fields a resolver that builds the same `Info` and calls the method, for
the fields graphql-core's way still executes.
"""

from __future__ import annotations

import inspect as python_inspect
import weakref
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Generic, NamedTuple, TypeVar, cast
from weakref import WeakKeyDictionary

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, gather_with_cancel, inspect
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

V = TypeVar("V")
T = TypeVar("T")
Complete = Callable[["FastExecution", Any, Any, Any, Any], Any]

# How a field's value is had (FieldPlan.kind).
LEAF = 0  # a plain leaf: the attribute, coerced in the loop
VALUE = 1  # a field without a resolver: the attribute, then completed
CALL = 2  # a synchronous resolver, called directly, then completed
TYPENAME = 3  # __typename
ORDINARY = 4  # graphql-core's way
MISSING = 5  # not a field of the type: left out, as graphql-core does

# Arguments passed as graphql-core coerced them: strawberry converts these to nothing else.
_PLAIN_ARGUMENT_TYPES: tuple[Any, ...] = (str, int, float, bool)

_BASE = StrawberryGraphQLCoreExecutionContext


class FieldPlan:
    """How to execute one field of one object type; made once per schema."""

    __slots__ = (
        "arguments",
        "attribute",
        "coerce",
        "complete",
        "definition",
        "field_def",
        "info_name",
        "kind",
        "method",
        "nullable",
        "return_type",
        "root_name",
    )

    def __init__(self, kind: int, field_def: GraphQLField | None = None) -> None:
        self.kind = kind
        self.field_def = field_def
        # Typed loosely: the hot loop reads them without narrowing.
        self.return_type: Any = field_def.type if field_def else None
        self.definition: StrawberryField | None = None
        self.attribute = ""
        self.coerce: Any = None
        self.nullable = True
        self.complete: Any = None
        self.method: Any = None
        self.info_name: str | None = None
        self.root_name: str | None = None
        self.arguments: tuple[tuple[str, str], ...] = ()  # (GraphQL name, Python name)


class _Plans:
    """One schema's field plans, by (object type name, field name)."""

    def __init__(self) -> None:
        self.info_class: type[Info] = Info
        self.by_field: dict[tuple[str, str], FieldPlan] = {}


_PLANS: WeakKeyDictionary[GraphQLSchema, _Plans] = WeakKeyDictionary()


def _plans(schema: GraphQLSchema) -> _Plans:
    found = _PLANS.get(schema)
    if found is None:
        found = _PLANS[schema] = _Plans()
    return found


def _plan_of(schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str) -> FieldPlan:
    if name == "__typename":
        return FieldPlan(TYPENAME)
    field_def = schema.get_field(parent_type, name)
    if field_def is None:
        return FieldPlan(MISSING)
    complete = _completer(field_def, parent_type, name)
    # graphql-core resolves it; its value is still completed here (when its type allows).
    ordinary = FieldPlan(ORDINARY, field_def)
    ordinary.complete = complete
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions or complete is None:
        return ordinary
    if definition.base_resolver is None:
        # Strawberry marks the resolver of a basic field (its default: the attribute).
        if not getattr(field_def.resolve, "_is_default", False):
            return ordinary
        if definition.default_resolver is not getattr or field_def.args:
            return ordinary
        leaf = _leaf_of(field_def.type)
        plan = FieldPlan(LEAF if leaf is not None else VALUE, field_def)
        plan.attribute = definition.python_name
        if leaf is not None:
            plan.coerce, plan.nullable = leaf
    else:
        plan = FieldPlan(CALL, field_def)
        if not _calls_directly(plan, definition, field_def):
            return ordinary
    plan.definition = definition
    plan.complete = complete
    return plan


def _leaf_of(field_type: GraphQLOutputType) -> tuple[Callable[[Any], Any], bool] | None:
    """(the output coercion, whether null is allowed) of a scalar or enum type."""
    nullable = not isinstance(field_type, GraphQLNonNull)
    named = field_type if nullable else cast(GraphQLNonNull[Any], field_type).of_type
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return named.coerce_output_value, nullable
    return None


def _calls_directly(plan: FieldPlan, definition: StrawberryField, field_def: GraphQLField) -> bool:
    """Fills in how to call the field's resolver itself; False if it cannot be (async,
    a parent parameter, an argument strawberry would convert)."""
    resolver = definition.base_resolver
    if resolver is None or resolver.parent_parameter:
        return False
    # A coroutine's answer is awaited and completed here too (`_awaited`); an async
    # generator (a subscription's) is graphql-core's business.
    if resolver.is_async and not python_inspect.iscoroutinefunction(resolver.wrapped_func):
        return False
    if not resolver.self_parameter and not resolver.root_parameter:
        return False
    arguments = []
    for graphql_name, argument_def in field_def.args.items():
        argument = (argument_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        declared = getattr(argument, "type", None)
        if isinstance(declared, StrawberryOptional):
            declared = declared.of_type
        if getattr(argument, "is_maybe", True) or declared not in _PLAIN_ARGUMENT_TYPES:
            return False
        arguments.append((graphql_name, cast(Any, argument).python_name))
    plan.arguments = tuple(arguments)
    plan.method = cast(Callable[..., Any], resolver.wrapped_func)
    plan.info_name = resolver.info_parameter.name if resolver.info_parameter else None
    plan.root_name = resolver.root_parameter.name if resolver.root_parameter else None
    return True


# --- values answered once per request ----------------------------------------------------

_ONCE = "__completed_once__"


class CompletedOnce(NamedTuple):
    key: Callable[[Any], Hashable]  # what the object is (equal keys: the same answer)
    scope: Callable[[Any], Hashable | None]  # of the context: what the answer rests on


def completed_once(
    key: Callable[[Any], Hashable], scope: Callable[[Any], Hashable | None]
) -> Callable[[type[T]], type[T]]:
    """Marks a graph type whose answer rests on nothing but `key(object)` and what
    `scope(context)` names (the request's facts, say): the fast execution then completes
    each such object once per selection and scope, and answers the same again wherever
    the query meets it (a lot in every unit that holds it, a product in each of its
    units). `scope` returning None keeps it from remembering (a service failed: its
    errors belong at every path); nor does it remember an answer that had to wait or
    reported an error."""

    def mark(cls: type[T]) -> type[T]:
        setattr(cls, _ONCE, CompletedOnce(key, scope))
        return cls

    return mark


# --- completion: per field, a chain of functions for its type, made once -------------------
# Each takes (executor, value, field details, the parent's path, this value's key) and
# returns the completed value (or an awaitable of it); the path of the value itself is
# made only where it is needed.


def _completer(
    field_def: GraphQLField, parent_type: GraphQLObjectType, name: str
) -> Complete | None:
    """The completion of the field's values, or None when graphql-core's way is needed."""
    label = f"{parent_type.name}.{name}"
    return _complete_type(field_def, parent_type, field_def.type, parent_type.name, label, False)


def _complete_type(
    field_def: GraphQLField,
    parent_type: GraphQLObjectType,
    of: GraphQLOutputType,
    typename: str | None,
    label: str,
    in_list: bool,
) -> Complete | None:
    non_null = isinstance(of, GraphQLNonNull)
    named = cast(GraphQLNonNull[Any], of).of_type if non_null else of
    body: Complete | None
    if isinstance(named, GraphQLList):
        if in_list:
            return None  # a list of lists: graphql-core's way
        item = _complete_type(field_def, parent_type, named.of_type, None, label, True)
        body = _list_body(field_def, parent_type, named, item) if item else None
    elif isinstance(named, GraphQLScalarType | GraphQLEnumType):
        body = _leaf_body(named)
    elif isinstance(named, GraphQLObjectType) and named.is_type_of is None:
        body = _object_body(named, typename)
    else:
        body = None  # interfaces, unions, types that check what they are given
    if body is None:
        return None
    return _non_null(body, label) if non_null else _nullable(body)


def _non_null(body: Complete, label: str) -> Complete:
    message = f"Cannot return null for non-nullable field {label}."

    def complete(executor: FastExecution, value: Any, details: Any, prev: Any, key: Any) -> Any:
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            raise TypeError(message)
        return body(executor, value, details, prev, key)

    return complete


def _nullable(body: Complete) -> Complete:
    def complete(executor: FastExecution, value: Any, details: Any, prev: Any, key: Any) -> Any:
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        return body(executor, value, details, prev, key)

    return complete


def _leaf_body(leaf_type: GraphQLScalarType | GraphQLEnumType) -> Complete:
    coerce = leaf_type.coerce_output_value

    def complete(executor: FastExecution, value: Any, details: Any, prev: Any, key: Any) -> Any:
        coerced = coerce(value)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{inspect(leaf_type)}.coerce_output_value({inspect(value)})` to"
                f" return non-nullable value, returned: {inspect(coerced)}"
            )
        return coerced

    return complete


def _object_body(object_type: GraphQLObjectType, typename: str | None) -> Complete:
    definition = (object_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    once: CompletedOnce | None = getattr(getattr(definition, "origin", None), _ONCE, None)

    def complete(executor: FastExecution, value: Any, details: Any, prev: Any, key: Any) -> Any:
        path = Path(prev, key, typename)
        grouped, deferred, _ = executor.collect_subfields(object_type, details)
        if deferred:  # never: documents with @defer run graphql-core's way throughout
            raise RuntimeError("@defer reached the fast execution")
        if once is None:
            return executor.fast_fields(object_type, value, path, grouped)
        return executor.completed_once(once, object_type, value, path, grouped)

    return complete


def _list_body(
    field_def: GraphQLField,
    parent_type: GraphQLObjectType,
    list_type: GraphQLList[Any],
    item: Complete,
) -> Complete:
    item_type = list_type.of_type

    def complete(executor: FastExecution, value: Any, details: Any, prev: Any, key: Any) -> Any:
        path = Path(prev, key, parent_type.name)  # a list is a field's value, never an item's
        if not isinstance(value, list | tuple):  # another iterable, or none: graphql-core's way
            info = executor.build_resolve_info(field_def, _nodes(details), parent_type, path)
            return _BASE.complete_value(executor, list_type, details, info, path, value, None)
        is_awaitable = executor.is_awaitable
        completed: list[Any] = []
        pending: list[int] = []
        try:
            for index, element in enumerate(value):
                if is_awaitable(element):
                    info = executor.build_resolve_info(
                        field_def, _nodes(details), parent_type, path
                    )
                    item_path = Path(path, index, None)
                    completed.append(
                        executor.complete_awaitable_list_item_value(
                            element, item_type, details, info, item_path, None
                        )
                    )
                    pending.append(index)
                    continue
                try:
                    done = item(executor, element, details, path, index)
                    if is_awaitable(done):
                        done = executor.settled(done, item_type, details, Path(path, index, None))
                        pending.append(index)
                except Exception as raw_error:
                    executor.handle_field_error(
                        raw_error, item_type, details, Path(path, index, None)
                    )
                    done = None
                completed.append(done)
        except Exception:
            if pending:
                executor.settle_in_background([completed[i] for i in pending])
            raise
        if not pending:
            return completed
        return _gathered_list(completed, pending)

    return complete


async def _gathered_list(completed: list[Any], pending: list[int]) -> list[Any]:
    awaited = await gather_with_cancel(*(completed[i] for i in pending))
    for index, value in zip(pending, awaited, strict=True):
        completed[index] = value
    return completed


async def _gathered_fields(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    awaited = await gather_with_cancel(*(results[name] for name in pending))
    results.update(zip(pending, awaited, strict=True))
    return results


def _nodes(details: Any) -> list[FieldNode]:
    return [field_details.node for field_details in details]


class FieldInfo:
    """What a resolver the fast execution calls is handed for `info`: the context and
    the path at once, everything else from strawberry's own `Info`, built on first use."""

    __slots__ = (
        "_details",
        "_executor",
        "_info",
        "_key",
        "_parent_type",
        "_plan",
        "_prev",
        "context",
    )

    def __init__(
        self,
        executor: FastExecution,
        plan: FieldPlan,
        details: Any,
        parent_type: GraphQLObjectType,
        prev: Path | None,
        key: str,
    ) -> None:
        self.context = executor.context_value
        self._executor, self._plan, self._details = executor, plan, details
        self._parent_type, self._prev, self._key = parent_type, prev, key
        self._info: Info | None = None

    @property
    def path(self) -> Path:
        return Path(self._prev, self._key, self._parent_type.name)

    def __getattr__(self, name: str) -> Any:
        # Only for what the slots do not hold: strawberry's Info has the rest.
        if self._info is None:
            executor, plan = self._executor, self._plan
            assert plan.field_def is not None and plan.definition is not None
            raw = executor.build_resolve_info(
                plan.field_def, _nodes(self._details), self._parent_type, self.path
            )
            self._info = _plans(executor.schema).info_class(_raw_info=raw, _field=plan.definition)
        return getattr(self._info, name)


# --- what is collected per document ----------------------------------------------------


class _Collected:
    """What was collected for one parsed operation, if it may be kept across requests."""

    def __init__(self, reusable: bool, incremental: bool) -> None:
        self.reusable = reusable
        self.incremental = incremental  # @defer or @stream somewhere: graphql-core's way
        # (object type, ids of the field nodes) -> (the field list, its sub-fields)
        self.subfields: dict[tuple[Any, tuple[int, ...]], tuple[Any, Any]] = {}


class _PerOperation(Generic[V]):
    """A value kept for each parsed operation while the operation lives. By identity: a
    WeakKeyDictionary would hash the operation, and an AST node's hash is that of every
    node below it (some 600 for a full trace, a millisecond a lookup)."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[weakref.ref[OperationDefinitionNode], V]] = {}

    def get(self, operation: OperationDefinitionNode) -> V | None:
        kept = self._kept.get(id(operation))
        if kept is None or kept[0]() is not operation:
            return None
        return kept[1]

    def put(self, operation: OperationDefinitionNode, value: V) -> None:
        key = id(operation)

        def forget(_: Any) -> None:
            self._kept.pop(key, None)

        self._kept[key] = (weakref.ref(operation, forget), value)


_COLLECTED: _PerOperation[_Collected] = _PerOperation()
# The fragment definitions of each parsed operation's document, for the query planner:
# strawberry's public `Info` has the operation (`info.operation`) but not its document's
# fragments; graphql-core's execution context has them (its public `fragments`).
_FRAGMENTS: _PerOperation[dict[str, FragmentDefinitionNode]] = _PerOperation()


def fragments_of(operation: OperationDefinitionNode) -> dict[str, FragmentDefinitionNode]:
    """The fragments of the document `operation` (strawberry's `info.operation`) came in,
    by name, as the execution running it found them."""
    found = _FRAGMENTS.get(operation)
    if found is None:
        raise RuntimeError("the operation was not run by FastExecution")
    return found


def field_nodes(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    path: Any,
) -> list[FieldNode]:
    """The field nodes of the field at `path` (strawberry's `info.path`: response keys,
    list indexes between them), fragments spread in, as graphql-core merged them for it;
    `@skip`/`@include` are not evaluated (a planner reading them plans a little more)."""
    keys: list[str] = []
    while path is not None:
        if isinstance(path.key, str):
            keys.append(path.key)
        path = path.prev
    selection_sets = [operation.selection_set]
    nodes: list[FieldNode] = []
    for key in reversed(keys):
        nodes = [
            node
            for selection_set in selection_sets
            for node in _fields_in(selection_set.selections, fragments)
            if (node.alias or node.name).value == key
        ]
        selection_sets = [n.selection_set for n in nodes if n.selection_set is not None]
    return nodes


def _fields_in(selections: Any, fragments: Mapping[str, FragmentDefinitionNode]) -> Any:
    for selection in selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields_in(fragment.selection_set.selections, fragments)
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields_in(selection.selection_set.selections, fragments)


def _directives_of(operation: OperationDefinitionNode, fragments: Any) -> set[str]:
    """The names of the directives on any selection of the operation or its fragments."""
    names: set[str] = set()
    pending: list[SelectionSetNode] = [operation.selection_set]
    pending += [details.definition.selection_set for details in fragments.values()]
    while pending:
        for selection in pending.pop().selections:
            names.update(directive.name.value for directive in selection.directives or ())
            if (
                isinstance(selection, FieldNode | InlineFragmentNode)
                and selection.selection_set is not None
            ):
                pending.append(selection.selection_set)
    return names


class FastExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with the fields executed from plans made once
    per schema and the sub-fields of a document collected once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans = _plans(self.schema).by_field
        self._subfields: dict[tuple[Any, int], tuple[Any, Any]] = {}
        # completed_once: what was answered, and each selection's key (by the set's id).
        self._answered: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._selections: dict[int, tuple[Any, tuple[Any, ...]]] = {}
        if _FRAGMENTS.get(self.operation) is None:
            _FRAGMENTS.put(
                self.operation,
                {name: details.definition for name, details in self.fragments.items()},
            )
        collected = _COLLECTED.get(self.operation)
        if collected is None:
            directives = _directives_of(self.operation, self.fragments)
            # Fragment variables, like directives, make the selection the request's own.
            variables = any(details.variable_signatures for details in self.fragments.values())
            incremental = bool(directives & {"defer", "stream"})
            collected = _Collected(not directives and not variables, incremental)
            _COLLECTED.put(self.operation, collected)
        self._collected = collected
        # Strawberry hands every request a middleware manager, empty unless a schema
        # extension resolves fields: then every field goes graphql-core's way.
        middleware = self.middleware_manager
        no_middleware = middleware is None or not middleware.middlewares
        self._fast = no_middleware and not collected.incremental

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        # This request's first (by the list's identity, as graphql-core keeps its own).
        memo = self._subfields.get((return_type, id(field_details_list)))
        if memo is not None:
            return memo[1]
        if not self._collected.reusable:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, tuple(id(details.node) for details in field_details_list))
        kept = self._collected.subfields.get(key)
        if kept is None:
            # The list keeps its nodes alive, so their ids stay theirs.
            collected = super().collect_subfields(return_type, field_details_list)
            kept = self._collected.subfields[key] = (field_details_list, collected)
        self._subfields[(return_type, id(field_details_list))] = kept
        return kept[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if self._fast and position_context is None:
            return self.fast_fields(parent_type, source_value, path, grouped_field_set)
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A field's whole value (not an item of a list) that graphql-core resolved: an
        # async resolver's answer, a root field's.
        if self._fast and position_context is None and return_type is info.return_type:
            plan = self.plan(info.parent_type, info.field_name)
            if plan.complete is not None:
                return plan.complete(self, result, field_details_list, path.prev, path.key)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def plan(self, parent_type: GraphQLObjectType, name: str) -> FieldPlan:
        key = (parent_type.name, name)
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = _plan_of(self.schema, parent_type, name)
        return found

    def fast_fields(
        self, parent_type: GraphQLObjectType, source: Any, path: Path | None, grouped: Any
    ) -> Any:
        """The fields of one object, in the selection's order (or an awaitable of them)."""
        plans = self._plans
        typename = parent_type.name
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for response_name, details in grouped.items():
                name = details[0].node.name.value
                plan = plans.get((typename, name)) or self.plan(parent_type, name)
                kind = plan.kind
                if kind == LEAF:
                    value = self._leaf(plan, source)
                    if value is not _NOT_PLAIN:
                        results[response_name] = value
                        continue
                    value = self._ordinary(parent_type, source, details, path, response_name)
                elif kind == CALL:
                    value = self._call(plan, parent_type, source, details, path, response_name)
                elif kind == VALUE:
                    value = self._attribute(plan, parent_type, source, details, path, response_name)
                elif kind == TYPENAME:
                    results[response_name] = typename
                    continue
                elif kind == MISSING:
                    continue
                else:
                    value = self._ordinary(parent_type, source, details, path, response_name)
                    if value is Undefined:
                        continue
                results[response_name] = value
                if value.__class__ not in _SYNC_VALUES and is_awaitable(value):
                    pending.append(response_name)
        except Exception:
            if pending:  # the fields that started may fail too: let them settle
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return _gathered_fields(results, pending)

    def completed_once(
        self,
        once: CompletedOnce,
        object_type: GraphQLObjectType,
        value: Any,
        path: Path,
        grouped: Any,
    ) -> Any:
        """fast_fields of an object marked `completed_once`, remembered for the request."""
        scope = once.scope(self.context_value)
        if scope is None:
            return self.fast_fields(object_type, value, path, grouped)
        selection = self._selections.get(id(grouped))
        if selection is None or selection[0] is not grouped:
            names = tuple(
                (name, *(id(d.node) for d in details)) for name, details in grouped.items()
            )
            selection = self._selections[id(grouped)] = (grouped, names)
        key = (object_type.name, once.key(value), selection[1], scope)
        answered = self._answered.get(key)
        if answered is not None:
            return answered
        errors = len(self.collected_errors.errors)
        result = self.fast_fields(object_type, value, path, grouped)
        if result.__class__ is dict and len(self.collected_errors.errors) == errors:
            self._answered[key] = result
        return result

    @staticmethod
    def _leaf(plan: FieldPlan, source: Any) -> Any:
        """A plain leaf's coerced value, or null where null is allowed; else _NOT_PLAIN
        (the ordinary way then reports what is wrong)."""
        try:
            value = getattr(source, plan.attribute)
            if value is None:
                return None if plan.nullable else _NOT_PLAIN
            coerced = plan.coerce(value)
        except Exception:
            return _NOT_PLAIN
        return _NOT_PLAIN if coerced is Undefined or coerced is None else coerced

    def _ordinary(
        self, parent_type: GraphQLObjectType, source: Any, details: Any, prev: Any, key: str
    ) -> Any:
        return self.execute_field(
            parent_type, source, details, Path(prev, key, parent_type.name), None
        )

    def _attribute(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        source: Any,
        details: Any,
        prev: Any,
        key: str,
    ) -> Any:
        try:
            completed = plan.complete(self, getattr(source, plan.attribute), details, prev, key)
        except Exception as raw_error:
            return self._failed(raw_error, plan, parent_type, details, prev, key)
        if self.is_awaitable(completed):
            return self.settled(
                completed, plan.return_type, details, Path(prev, key, parent_type.name)
            )
        return completed

    def _call(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        source: Any,
        details: Any,
        prev: Any,
        key: str,
    ) -> Any:
        try:
            kwargs = self._arguments(plan, details) if plan.arguments else {}
            if plan.info_name is not None:
                kwargs[plan.info_name] = FieldInfo(self, plan, details, parent_type, prev, key)
            if plan.root_name is not None:
                kwargs[plan.root_name] = source
                result = plan.method(**kwargs)
            else:
                result = plan.method(source, **kwargs)
            if self.is_awaitable(result):
                return self._awaited(plan, parent_type, result, details, prev, key)
            completed = plan.complete(self, result, details, prev, key)
        except Exception as raw_error:
            return self._failed(raw_error, plan, parent_type, details, prev, key)
        if self.is_awaitable(completed):
            return self.settled(
                completed, plan.return_type, details, Path(prev, key, parent_type.name)
            )
        return completed

    async def _awaited(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        result: Awaitable[Any],
        details: Any,
        prev: Any,
        key: str,
    ) -> Any:
        """What graphql-core's `complete_awaitable_value` does with a resolver's
        awaitable (the abort signal heeded, the value completed, its error handled at the
        field's path), completed by the field's plan and with no resolve info built."""
        try:
            value = await self.with_abort_signal(result)
            completed = plan.complete(self, value, details, prev, key)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self._failed(raw_error, plan, parent_type, details, prev, key)
            completed = None
        return completed

    def _failed(
        self,
        raw_error: Exception,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        details: Any,
        prev: Any,
        key: str,
    ) -> None:
        """A field's error, handled by graphql-core at the field's path."""
        self.handle_field_error(
            raw_error, plan.return_type, details, Path(prev, key, parent_type.name)
        )
        return None

    def _arguments(self, plan: FieldPlan, details: Any) -> dict[str, Any]:
        first = details[0]
        given = get_argument_values(
            cast(GraphQLField, plan.field_def),
            first.node,
            self.variable_values,
            first.fragment_variable_values,
            self.hide_suggestions,
        )
        return {python: given[name] for name, python in plan.arguments if name in given}

    async def settled(
        self, completed: Awaitable[Any], return_type: Any, details: Any, path: Path
    ) -> Any:
        """A completion that waits for something, its error handled at its path."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None


_NOT_PLAIN = object()
# What a completed value mostly is: no need to ask whether it can be awaited.
_SYNC_VALUES = frozenset({dict, list, str, int, float, bool, type(None)})


def call_resolvers_directly(schema: GraphQLSchema, info_class: type[Info]) -> int:
    """Gives every field whose resolver takes only `self` and `info` (no arguments, no
    field extensions) a resolver that calls it directly; returns how many it changed.
    The fast execution builds its `Info` of the same class, when a resolver asks."""
    _plans(schema).info_class = info_class
    changed = 0
    for named_type in schema.type_map.values():
        if not isinstance(named_type, GraphQLObjectType):
            continue
        for field_def in named_type.fields.values():
            definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField) and not field_def.args:
                direct = _direct_resolver(definition, info_class)
                if direct is not None:
                    field_def.resolve = direct
                    changed += 1
    return changed


def _direct_resolver(field: StrawberryField, info_class: type[Info]) -> Callable[..., Any] | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments:
        return None
    if resolver.parent_parameter or resolver.root_parameter or not resolver.self_parameter:
        return None
    info_parameter = resolver.info_parameter
    method: Callable[..., Any] = cast(Callable[..., Any], resolver.wrapped_func)
    if info_parameter is None:
        return lambda source, _info: method(source)
    info_name = info_parameter.name

    def resolve(source: Any, info: Any) -> Any:
        return method(source, **{info_name: info_class(_raw_info=info, _field=field)})

    return resolve
