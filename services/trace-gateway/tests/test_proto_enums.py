"""The graph's enums come from the proto enums: the committed module is what the
generator writes, and each enum is its proto's values plus only the listed extras."""

from __future__ import annotations

import graphql

from serialtrace.gateway import proto_enums
from serialtrace.gateway.schema import printed_schema
from serialtrace.gateway.types import enums
from serialtrace.quality.v1 import quality_pb2 as qa


def test_committed_enums_are_what_make_proto_generates() -> None:
    committed = proto_enums.ENUMS_MODULE.read_text()
    assert committed == proto_enums.render(), "types/enums.py is stale: run `make proto`"


def test_each_graph_enum_is_its_proto_enum_without_prefix_and_unspecified() -> None:
    for graph_enum in proto_enums.GRAPH_ENUMS:
        module_enum = getattr(enums, graph_enum.name)
        extras = {v.name for v in (*graph_enum.first, *graph_enum.last)}
        proto_names = [v.name for v in graph_enum.proto.DESCRIPTOR.values]
        prefix = proto_names[0].removesuffix("UNSPECIFIED")
        expected = [n.removeprefix(prefix) for n in proto_names[1:]]
        assert [m for m in module_enum.__members__ if m not in extras] == expected


def test_a_value_added_to_a_proto_enum_reaches_the_graph_enum() -> None:
    recall_states = next(e for e in proto_enums.GRAPH_ENUMS if e.proto is qa.RecallUnitState)
    names = [v.name for v in recall_states.values()]
    assert names == [
        "IN_PRODUCTION",
        "IN_STOCK",
        "SHIPPED",
        "RETURNED",
        "RECOVERED",
        "DESTROYED",
    ]
    assert "UNSPECIFIED" not in names


def test_graph_only_values_keep_their_place_and_description() -> None:
    schema = graphql.build_schema(printed_schema())
    build_status = schema.get_type("BuildStatus")
    custody = schema.get_type("CustodyStatus")
    assert isinstance(build_status, graphql.GraphQLEnumType)
    assert isinstance(custody, graphql.GraphQLEnumType)
    assert next(iter(build_status.values)) == "PURCHASED"
    assert list(custody.values)[-1] == "UNKNOWN"
    assert custody.values["UNKNOWN"].description == (
        "The warehouse could not be asked; see the response's errors."
    )
