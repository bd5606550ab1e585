"""The gateway's cheap execution (serialtrace.gateway.execution) answers exactly what
strawberry's own does, errors and their paths included, while skipping the per-field
work: plain leaves read without their resolvers, sub-fields collected once per document,
argument-less resolvers called directly."""

from __future__ import annotations

import enum
from typing import Any

import graphql.execution.executor
import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from serialtrace.gateway.execution import PlainLeafExecution, call_resolvers_directly


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Part:
    sku: str
    count: int
    colour: Colour
    note: str | None
    must: str  # the resolvers below put None here: a non-null field gone null

    @strawberry.field
    def label(self, info: Info) -> str:
        return f"{self.sku}@{info.path.as_list()[-2]}"

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError(f"no label for {self.sku}")

    @strawberry.field
    def shout(self, loud: bool = False) -> str:
        return self.sku.upper() if loud else self.sku


@strawberry.type
class Box:
    name: str
    parts: list[Part]
    broken: list[Part]
    tags: list[str]


def _part(i: int) -> Part:
    return Part(
        sku=f"P{i}", count=i, colour=Colour.RED if i % 2 else Colour.BLUE, note=None, must="m"
    )


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        broken = [_part(9)]
        broken[0].must = None  # type: ignore[assignment]
        broken[0].count = "nine"  # type: ignore[assignment] - Int refuses it
        return Box(name="b", parts=[_part(i) for i in range(3)], broken=broken, tags=["x"])


QUERIES = [
    "{ box { name parts { sku count colour note must label } tags } }",
    "{ box { ...B parts { n: sku, __typename sku, ...P } } } fragment B on Box { name } "
    "fragment P on Part { colour sku count }",
    "{ box { parts { sku failing } } }",
    "{ box { broken { sku must } name } }",
    "{ box { broken { count } } }",
    "{ box { parts { shout(loud: true) quiet: shout } } }",
    "query Q($with: Boolean!) { box { parts { sku note @include(if: $with) } } }",
]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    # Parsed once per text, as the gateway's ParserCache does: the collected sub-fields
    # are kept with the parsed document.
    parsed_once = [lambda: ParserCache(maxsize=16)]
    ordinary = strawberry.Schema(query=Query, extensions=parsed_once)
    cheap = strawberry.Schema(
        query=Query, execution_context_class=PlainLeafExecution, extensions=parsed_once
    )
    call_resolvers_directly(cheap._schema, cheap.config.info_class)
    return ordinary, cheap


def _outcome(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> Any:
    result = schema.execute_sync(query, variable_values=variables)
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, sorted(errors, key=str)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("include", [True, False])
def test_the_cheap_execution_answers_what_strawberry_does(query: str, include: bool) -> None:
    ordinary, cheap = _schemas()
    variables = {"with": include} if "$with" in query else {}
    expected = _outcome(ordinary, query, variables)
    for _ in range(2):  # the second time from what the first collected
        answer = _outcome(cheap, query, variables)
        assert answer == expected
        # The same order of fields, too (dict equality ignores it).
        assert str(answer) == str(expected)


def test_errors_keep_their_paths() -> None:
    _, cheap = _schemas()
    data, errors = _outcome(cheap, QUERIES[2], {})
    assert data == {"box": {"parts": [{"sku": f"P{i}", "failing": None} for i in range(3)]}}
    assert errors == [(f"no label for P{i}", ["box", "parts", i, "failing"]) for i in range(3)]
    data, errors = _outcome(cheap, QUERIES[3], {})
    assert data is None  # a null in [Part!]! of a Box!: null up to the root
    assert errors == [
        ("Cannot return null for non-nullable field Part.must.", ["box", "broken", 0, "must"])
    ]


def test_plain_leaves_are_read_without_their_resolvers(monkeypatch: pytest.MonkeyPatch) -> None:
    _, cheap = _schemas()
    field = cheap._schema.type_map["Part"].fields["sku"]  # type: ignore[union-attr]
    calls = []
    resolve = field.resolve

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return resolve(*args, **kwargs)  # type: ignore[misc]

    counted._is_default = True  # type: ignore[attr-defined] - still strawberry's default
    monkeypatch.setattr(field, "resolve", counted)
    assert cheap.execute_sync("{ box { parts { sku } } }").data
    assert calls == []
    ordinary = strawberry.Schema(
        query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    ordinary_field = ordinary._schema.type_map["Part"].fields["sku"]  # type: ignore[union-attr]
    monkeypatch.setattr(ordinary_field, "resolve", counted)
    ordinary.execute_sync("{ box { parts { sku } } }")
    assert len(calls) == 3  # strawberry's own: once a part


def test_sub_fields_are_collected_once_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    _, cheap = _schemas()
    collected = []
    collect = graphql.execution.executor.collect_subfields

    def counted(*args: Any, **kwargs: Any) -> Any:
        collected.append(1)
        return collect(*args, **kwargs)

    monkeypatch.setattr(graphql.execution.executor, "collect_subfields", counted)
    query = QUERIES[0]
    cheap.execute_sync(query)
    first = len(collected)
    assert first > 0
    cheap.execute_sync(query)
    assert len(collected) == first  # the same parsed document: what it collected, kept
    # A document whose selection depends on a variable collects on every request.
    with_variable = QUERIES[-1]
    cheap.execute_sync(with_variable, variable_values={"with": True})
    before = len(collected)
    cheap.execute_sync(with_variable, variable_values={"with": False})
    assert len(collected) > before


def test_argument_less_resolvers_are_called_directly() -> None:
    ordinary, cheap = _schemas()
    part = cheap._schema.type_map["Part"]
    ordinary_part = ordinary._schema.type_map["Part"]
    for name in ("label", "failing"):
        assert part.fields[name].resolve is not ordinary_part.fields[name].resolve  # type: ignore[union-attr]
    # A field with arguments keeps strawberry's resolver (it converts them).
    assert (
        part.fields["shout"].resolve.__qualname__
        == ordinary_part.fields["shout"].resolve.__qualname__
    )  # type: ignore[union-attr]


def test_the_planner_finds_a_fields_nodes_by_its_path_through_aliases_and_fragments() -> None:
    from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
    from graphql.pyutils import Path

    from serialtrace.gateway.execution import field_nodes

    document = parse(
        """query { a: unit(sku: "A") { ...F }  b: unit(sku: "B") { serial }
                   ... on Query { a: unit(sku: "A") { sku } } }
           fragment F on Unit { components { unit { serial } } }"""
    )
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def selected(path: Path) -> list[list[str]]:
        nodes = field_nodes(operation, fragments, path)
        return [[s.name.value for s in n.selection_set.selections] for n in nodes]

    top_a = Path(None, "a", "Query")
    # Both selections of `a` (the inline fragment's too), none of `b`'s.
    assert selected(top_a) == [["F"], ["sku"]]
    assert selected(Path(None, "b", "Query")) == [["serial"]]
    # Below a list (its index skipped), through the fragment.
    below = Path(Path(Path(top_a, "components", "Unit"), 0, None), "unit", "ComponentLink")
    assert selected(below) == [["serial"]]
