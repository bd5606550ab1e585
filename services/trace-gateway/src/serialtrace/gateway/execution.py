"""GraphQL execution that costs little per field.

A full trace answers some 1,700 fields, two thirds of them plain leaves: a string, a
number or an enum value stored on a dataclass the resolvers built from the prefetched
facts (`sku`, `name`, `at`, `result`, ...). graphql-core gives each field the same
treatment: a resolve-info record, strawberry's default resolver behind two wrappers,
then value completion through the non-null and list checks. For a plain leaf all that
does is read the attribute and coerce it.

`PlainLeafExecution` reads such a field directly: the attribute, then the type's own
output coercion, exactly what graphql-core would return. Whatever is not plain (a field
with a resolver or arguments, an object, a list, a null where the schema forbids one,
a value the type refuses) goes the ordinary way, so errors, their paths and partial
results are graphql-core's own.

graphql-core collects the sub-fields of each (object type, selection) once per request;
a trace's document has some forty such selections (its fragments spread at every
level), and collecting them cost a tenth of its execution. The document stays parsed
across requests (the schema's ParserCache), so `PlainLeafExecution` keeps what it
collected with the document and reuses it, as long as nothing in it depends on the
request's variables: a document with a directive or a fragment variable anywhere
collects per request, as before.

The fields with resolvers of their own (`Unit.location`, `Lot.product`, ...) mostly take
no arguments. Strawberry calls each through a chain of wrappers (arguments converted,
field extensions reduced, the result fetched) that has nothing to do for them;
`call_resolvers_directly` gives such fields a resolver that builds the same `Info` and
calls the method. Middleware (a schema extension's `resolve`) still wraps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, cast
from weakref import WeakKeyDictionary

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.field import StrawberryField


class PlainLeaf(NamedTuple):
    """How to read one plain leaf field: its attribute, its type, whether null is allowed."""

    attribute: str
    leaf_type: GraphQLScalarType | GraphQLEnumType
    nullable: bool


# Per schema: (object type name, field name) -> its PlainLeaf, or None when the field
# is not plain; filled as queries meet the fields.
_PLAIN_LEAVES: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], PlainLeaf | None]] = (
    WeakKeyDictionary()
)


def plain_leaves(schema: GraphQLSchema) -> dict[tuple[str, str], PlainLeaf | None]:
    found = _PLAIN_LEAVES.get(schema)
    if found is None:
        found = _PLAIN_LEAVES[schema] = {}
    return found


def _plain_leaf_of(parent_type: GraphQLObjectType, field_name: str) -> PlainLeaf | None:
    field_def = parent_type.fields.get(field_name)
    if field_def is None or field_def.args:
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # Strawberry marks the resolver of a field with no resolver and no field extensions
    # (its default: the attribute of the same Python name).
    if not isinstance(definition, StrawberryField) or not getattr(
        field_def.resolve, "_is_default", False
    ):
        return None
    if definition.default_resolver is not getattr:
        return None
    return_type, nullable = field_def.type, True
    if isinstance(return_type, GraphQLNonNull):
        return_type, nullable = return_type.of_type, False
    if not isinstance(return_type, GraphQLScalarType | GraphQLEnumType):
        return None  # lists and objects: the ordinary way
    return PlainLeaf(definition.python_name, return_type, nullable)


class _Collected:
    """What was collected for one parsed operation, if it may be kept across requests."""

    def __init__(self, reusable: bool) -> None:
        self.reusable = reusable
        # (object type, ids of the field nodes) -> (the field list, its sub-fields)
        self.subfields: dict[tuple[Any, tuple[int, ...]], tuple[Any, Any]] = {}


_COLLECTED: WeakKeyDictionary[OperationDefinitionNode, _Collected] = WeakKeyDictionary()
# The fragment definitions of each parsed operation's document, for the query planner:
# strawberry's public `Info` has the operation (`info.operation`) but not its document's
# fragments; graphql-core's execution context has them (its public `fragments`).
_FRAGMENTS: WeakKeyDictionary[OperationDefinitionNode, dict[str, FragmentDefinitionNode]] = (
    WeakKeyDictionary()
)


def fragments_of(operation: OperationDefinitionNode) -> dict[str, FragmentDefinitionNode]:
    """The fragments of the document `operation` (strawberry's `info.operation`) came in,
    by name, as the execution running it found them."""
    found = _FRAGMENTS.get(operation)
    if found is None:
        raise RuntimeError("the operation was not run by PlainLeafExecution")
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


def _independent_of_variables(operation: OperationDefinitionNode, fragments: Any) -> bool:
    """No directive on any selection and no fragment variables, in the operation or
    any fragment: then the fields collected depend on the document alone."""
    if any(details.variable_signatures for details in fragments.values()):
        return False
    pending: list[SelectionSetNode] = [operation.selection_set]
    pending += [details.definition.selection_set for details in fragments.values()]
    while pending:
        for selection in pending.pop().selections:
            if selection.directives:
                return False
            if isinstance(selection, FieldNode | InlineFragmentNode):
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif not isinstance(selection, FragmentSpreadNode):
                return False
    return True


class PlainLeafExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain leaf fields read directly and the
    sub-fields of a document collected once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_leaves = plain_leaves(self.schema)
        # Strawberry hands every request a middleware manager, empty unless a schema
        # extension resolves fields: then every field goes the ordinary way.
        middleware = self.middleware_manager
        self._direct = middleware is None or not middleware.middlewares
        if self.operation not in _FRAGMENTS:
            _FRAGMENTS[self.operation] = {
                name: details.definition for name, details in self.fragments.items()
            }
        collected = _COLLECTED.get(self.operation)
        if collected is None:
            reusable = _independent_of_variables(self.operation, self.fragments)
            collected = _COLLECTED[self.operation] = _Collected(reusable)
        self._collected = collected

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        if not self._collected.reusable:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, tuple(id(details.node) for details in field_details_list))
        kept = self._collected.subfields.get(key)
        if kept is None:
            # The list keeps its nodes alive, so their ids stay theirs.
            collected = super().collect_subfields(return_type, field_details_list)
            kept = self._collected.subfields[key] = (field_details_list, collected)
        return kept[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """The plain leaves read here; the other fields graphql-core's way, then the
        answer in the selection's order."""
        if not self._direct:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        leaves: dict[str, Any] = {}
        others: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            value = self._plain_value(parent_type, source_value, field_details_list)
            if value is _NOT_PLAIN:
                others[response_name] = field_details_list
            else:
                leaves[response_name] = value
        if not others:
            return leaves
        resolved = super().execute_fields(parent_type, source_value, path, others, position_context)
        if self.is_awaitable(resolved):

            async def merged_later() -> dict[str, Any]:
                return _in_order(grouped_field_set, leaves, await resolved)

            return merged_later()
        return _in_order(grouped_field_set, leaves, cast(dict[str, Any], resolved))

    def _plain_value(
        self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any
    ) -> Any:
        """The field's coerced value if it is a plain leaf with a value its type takes
        (or null where null is allowed); else _NOT_PLAIN."""
        key = (parent_type.name, field_details_list[0].node.name.value)
        try:
            leaf = self._plain_leaves[key]
        except KeyError:
            leaf = self._plain_leaves[key] = _plain_leaf_of(parent_type, key[1])
        if leaf is None:
            return _NOT_PLAIN
        value = getattr(source, leaf.attribute)
        if value is None:
            return None if leaf.nullable else _NOT_PLAIN
        try:
            coerced = leaf.leaf_type.coerce_output_value(value)
        except Exception:  # graphql-core reports it, the ordinary way
            return _NOT_PLAIN
        return _NOT_PLAIN if coerced is Undefined or coerced is None else coerced


_NOT_PLAIN = object()


def _in_order(
    grouped_field_set: Any, leaves: dict[str, Any], others: dict[str, Any]
) -> dict[str, Any]:
    """The fields in the order the query selected them (a field graphql-core left out,
    unknown to the schema, stays out)."""
    return {
        name: leaves[name] if name in leaves else others[name]
        for name in grouped_field_set
        if name in leaves or name in others
    }


def call_resolvers_directly(schema: GraphQLSchema, info_class: type[Info]) -> int:
    """Gives every field whose resolver takes only `self` and `info` (no arguments, no
    field extensions) a resolver that calls it directly; returns how many it changed."""
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
