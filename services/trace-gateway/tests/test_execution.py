"""The gateway's fast execution (serialtrace.gateway.execution) answers exactly what
strawberry's own does, errors and their paths included, while skipping the per-field
work: plans made once per schema, plain leaves read without their resolvers, resolvers
called without resolve info or strawberry's wrappers (async ones too), sub-fields
collected once per document; awaitable list items, interfaces and the like graphql-core's
way."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import graphql.execution.executor
import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from serialtrace.gateway.execution import FastExecution, call_resolvers_directly, completed_once


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Maker(Named):
    country: str


def _lower(root: Part) -> str:
    return root.sku.lower()


@strawberry.type
class Part:
    sku: str
    count: int
    colour: Colour
    note: str | None
    must: str  # the resolvers below put None here: a non-null field gone null

    lower: str = strawberry.field(resolver=_lower)  # a resolver taking `root`

    @strawberry.field
    def label(self, info: Info) -> str:
        return f"{self.sku}@{info.path.as_list()[-2]}"

    @strawberry.field
    def where(self, info: Info) -> str:
        # The path and the context at hand, the field's name from strawberry's own Info.
        return f"{info.path.as_list()}:{info.field_name}:{info.context['who']}"

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError(f"no label for {self.sku}")

    @strawberry.field
    def shout(self, loud: bool = False) -> str:
        return self.sku.upper() if loud else self.sku

    @strawberry.field
    def times(self, by: int = 2, note: str | None = None) -> str:
        return f"{self.count * by}{note or ''}"

    @strawberry.field
    def tinted(self, colour: Colour) -> str:  # an enum argument: strawberry converts it
        return f"{self.sku}:{colour.value}"

    @strawberry.field
    def maker(self) -> Named:  # an interface
        return Maker(name=f"maker of {self.sku}", country="CH")

    @strawberry.field
    async def stock(self) -> int:
        await asyncio.sleep(0)
        return self.count * 10

    @strawberry.field
    def later(self) -> Part | None:
        # A synchronous resolver handing back an awaitable, as a fact fetched lazily does.
        async def fetched() -> Part | None:
            await asyncio.sleep(0)
            return _part(self.count + 10) if self.count < 20 else None

        return fetched()  # type: ignore[return-value]

    @strawberry.field
    def later_broken(self) -> Part:
        async def fetched() -> Part:
            part = _part(self.count + 30)
            part.must = None  # type: ignore[assignment]
            return part

        return fetched()  # type: ignore[return-value]

    @strawberry.field
    def exception_value(self) -> str | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]


@strawberry.type
class Box:
    name: str
    parts: list[Part]
    broken: list[Part]
    tags: list[str]
    grid: list[list[int]]
    maybe_parts: list[Part | None]

    @strawberry.field
    async def async_parts(self) -> list[Part]:
        await asyncio.sleep(0)
        return [_part(i) for i in (4, 5)]

    @strawberry.field
    def awaited_parts(self) -> list[Part]:
        async def one(i: int) -> Part:
            return _part(i)

        return [one(6), _part(7)]  # type: ignore[list-item]

    @strawberry.field
    def numbers(self) -> list[int]:
        return (n for n in range(3))  # type: ignore[return-value] - not a list: graphql-core's way


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
        return Box(
            name="b",
            parts=[_part(i) for i in range(3)],
            broken=broken,
            tags=["x"],
            grid=[[1, 2], [3]],
            maybe_parts=[_part(1), None],
        )

    @strawberry.field
    async def later_box(self) -> Box | None:
        await asyncio.sleep(0)
        return self.box()

    @strawberry.field
    async def found(self, info: Info, sku: str, fail: bool = False) -> Part | None:
        # An async root field with arguments, as the gateway's scan and unit are.
        await asyncio.sleep(0)
        if fail:
            raise ValueError(f"no part {sku} for {info.context['who']} at {info.path.as_list()}")
        return _part(int(sku[1:])) if sku.startswith("P") else None

    @strawberry.field
    async def found_must(self, sku: str) -> Part:
        await asyncio.sleep(0)
        return None  # type: ignore[return-value] - a non-null root field gone null


QUERIES = [
    "{ box { name parts { sku count colour note must label } tags } }",
    "{ box { ...B parts { n: sku, __typename sku, ...P } } } fragment B on Box { name } "
    "fragment P on Part { colour sku count }",
    "{ box { parts { sku failing } } }",
    "{ box { broken { sku must } name } }",
    "{ box { broken { count } } }",
    "{ box { parts { shout(loud: true) quiet: shout } } }",
    "query Q($with: Boolean!) { box { parts { sku note @include(if: $with) } } }",
    "query Q($with: Boolean!) { box { parts { sku ...P @skip(if: $with) } } } "
    "fragment P on Part { lower count }",
    'query Q($by: Int) { box { parts { times(by: $by) t3: times(by: 3, note: "x") t: times } } }',
    "{ box { parts { tinted(colour: RED) maker { name ... on Maker { country } __typename } } } }",
    "{ box { parts { sku stock } asyncParts { sku stock label } } }",
    "{ box { parts { later { sku later { sku later { sku } } } } } }",
    "{ box { parts { sku laterBroken { sku must } } } }",
    "{ box { awaitedParts { sku label } numbers grid maybeParts { sku } } }",
    "{ box { parts { exceptionValue sku } } }",
    "{ laterBox { name parts { sku where } } box { parts { where } } }",
    "{ __typename box { __typename parts { __typename } } }",
    "{ __schema { queryType { name fields { name type { kind name ofType { name } } } } } }",
    "{ box { parts { lower } } box2: box { name } }",
    '{ found(sku: "P3") { sku label where stock } missing: found(sku: "X") { sku } }',
    '{ box { name } failed: found(sku: "P1", fail: true) { sku } ok: found(sku: "P2") { sku } }',
    '{ foundMust(sku: "P1") { sku } box { name } }',
]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    # Parsed once per text, as the gateway's ParserCache does: the collected sub-fields
    # are kept with the parsed document.
    parsed_once = [lambda: ParserCache(maxsize=16)]
    ordinary = strawberry.Schema(query=Query, extensions=parsed_once)
    cheap = strawberry.Schema(
        query=Query, execution_context_class=FastExecution, extensions=parsed_once
    )
    call_resolvers_directly(cheap._schema, cheap.config.info_class)
    return ordinary, cheap


def _outcome(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> Any:
    result = asyncio.run(
        schema.execute(query, variable_values=variables, context_value={"who": "tester"})
    )
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, sorted(errors, key=str)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("include", [True, False])
def test_the_cheap_execution_answers_what_strawberry_does(query: str, include: bool) -> None:
    ordinary, cheap = _schemas()
    variables: dict[str, Any] = {"with": include} if "$with" in query else {}
    if "$by" in query:
        variables["by"] = 5 if include else None
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
    with_variable = QUERIES[6]
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


def test_resolvers_get_no_resolve_info_unless_they_read_beyond_context_and_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ordinary, fast = _schemas()
    built: list[str] = []

    def counting(executor_class: Any) -> None:
        build = executor_class.build_resolve_info

        def counted(self: Any, field_def: Any, nodes: Any, parent_type: Any, path: Any) -> Any:
            built.append(nodes[0].name.value)
            return build(self, field_def, nodes, parent_type, path)

        monkeypatch.setattr(executor_class, "build_resolve_info", counted)

    counting(StrawberryGraphQLCoreExecutionContext)
    query = "{ box { parts { sku label lower shout(loud: true) times(by: 3) } } }"
    expected = _outcome(ordinary, query, {})
    # strawberry's own builds one for each of the 3 x 5 fields and for box and parts,
    assert len(built) == 17
    built.clear()
    # the fast execution none: `label` reads only its path.
    assert _outcome(fast, query, {}) == expected
    assert built == []
    # A resolver reading more of its Info (here its field name) gets strawberry's own.
    built.clear()
    _outcome(fast, "{ box { parts { where } } }", {})
    assert built == ["where"] * 3


def test_async_resolvers_are_called_without_strawberrys_wrapper_or_resolve_info(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ordinary, fast = _schemas()
    query = '{ found(sku: "P3") { sku label } failed: found(sku: "P1", fail: true) { sku } }'
    expected = _outcome(ordinary, query, {})
    assert expected[1] == [("no part P1 for tester at ['failed']", ["failed"])]
    built: list[str] = []
    build = StrawberryGraphQLCoreExecutionContext.build_resolve_info

    def counted(self: Any, field_def: Any, nodes: Any, parent_type: Any, path: Any) -> Any:
        built.append(nodes[0].name.value)
        return build(self, field_def, nodes, parent_type, path)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "build_resolve_info", counted)
    assert _outcome(fast, query, {}) == expected
    assert built == []  # strawberry's async wrapper would have built one for each `found`


# --- completed_once: an object met many times is answered once per selection ---------

RESOLVED: list[str] = []


@completed_once(key=lambda tag: tag.code, scope=lambda context: context.get("scope"))
@strawberry.type
class Tag:
    code: str

    @strawberry.field
    def title(self, info: Info) -> str | None:
        RESOLVED.append(self.code)
        if self.code in info.context.get("failing", ()):
            raise ValueError(f"no title for {self.code}")
        return f"tag {self.code} in {info.context.get('scope')}"


@strawberry.type
class Tagged:
    name: str

    @strawberry.field
    def tags(self) -> list[Tag]:
        return [Tag(code="a"), Tag(code="b"), Tag(code="a")]  # equal keys, new objects


@strawberry.type
class TagQuery:
    @strawberry.field
    def items(self) -> list[Tagged]:
        return [Tagged(name=str(i)) for i in range(3)]

    @strawberry.field
    def rescope(self, info: Info) -> str:  # as a mutation does: new facts from here on
        info.context["scope"] = "s2"
        return "s2"


TAG_QUERY = "{ items { name tags { code title } } again: items { tags { title } } }"


def _tag_outcome(schema: strawberry.Schema, context: dict[str, Any]) -> Any:
    RESOLVED.clear()
    result = schema.execute_sync(TAG_QUERY, context_value=context)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


def test_an_object_met_many_times_is_answered_once_per_selection() -> None:
    ordinary = strawberry.Schema(query=TagQuery)
    fast = strawberry.Schema(query=TagQuery, execution_context_class=FastExecution)
    context = {"scope": "s1"}
    expected = _tag_outcome(ordinary, context)
    assert len(RESOLVED) == 18  # 3 items x 3 tags, twice
    assert _tag_outcome(fast, context) == expected
    # Each tag once per selection (`tags { code title }` and `tags { title }`).
    assert sorted(RESOLVED) == ["a", "a", "b", "b"]


def test_what_failed_or_has_no_scope_is_answered_again_at_every_path() -> None:
    ordinary = strawberry.Schema(query=TagQuery)
    fast = strawberry.Schema(query=TagQuery, execution_context_class=FastExecution)
    failing = {"scope": "s1", "failing": ("b",)}
    expected = _tag_outcome(ordinary, failing)
    assert len(expected[1]) == 6  # b's error at each of its six paths
    assert _tag_outcome(fast, failing) == expected
    assert RESOLVED.count("b") == 6 and RESOLVED.count("a") == 2
    unscoped: dict[str, Any] = {"scope": None}
    assert _tag_outcome(fast, unscoped) == _tag_outcome(ordinary, unscoped)
    assert len(RESOLVED) == 18


def test_an_answer_is_not_given_again_once_its_scope_changed() -> None:
    fast = strawberry.Schema(query=TagQuery, execution_context_class=FastExecution)
    query = "{ before: items { tags { title } } rescope after: items { tags { title } } }"
    data = fast.execute_sync(query, context_value={"scope": "s1"}).data
    assert data is not None
    titles = {
        key: {t["title"] for i in data[key] for t in i["tags"]} for key in ("before", "after")
    }
    assert titles == {
        "before": {"tag a in s1", "tag b in s1"},
        "after": {"tag a in s2", "tag b in s2"},
    }
