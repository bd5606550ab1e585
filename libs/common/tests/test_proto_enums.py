"""The services' domain enums come from their proto enums: each committed stub is what
`make proto` writes, and each enum is its proto's values, each member's value its name."""

from __future__ import annotations

import importlib
from enum import StrEnum

import pytest

from serialtrace.common import proto_enums
from serialtrace.quality.v1 import quality_pb2

DOMAIN_ENUMS = [
    "serialtrace.masterdata.enums",
    "serialtrace.production.enums",
    "serialtrace.quality.enums",
    "serialtrace.warehouse.enums",
]


@pytest.mark.parametrize("module", DOMAIN_ENUMS)
def test_committed_stub_is_what_make_proto_generates(module: str) -> None:
    committed = proto_enums.stub_path(module).read_text()
    assert committed == proto_enums.render(module), f"{module}.pyi is stale: run `make proto`"


@pytest.mark.parametrize("module", DOMAIN_ENUMS)
def test_each_domain_enum_is_its_proto_enum_without_prefix_and_unspecified(module: str) -> None:
    enums = importlib.import_module(module)
    for entry in enums.PROTO_ENUMS:
        name, proto = proto_enums._named(entry)
        built = getattr(enums, name)
        proto_names = [v.name for v in proto.DESCRIPTOR.values]
        prefix = proto_names[0].removesuffix("UNSPECIFIED")
        assert issubclass(built, StrEnum)
        assert [m.value for m in built] == [n.removeprefix(prefix) for n in proto_names[1:]]
        assert all(m.value == m.name for m in built)


def test_a_renamed_enum_keeps_the_domain_name_and_the_proto_values() -> None:
    from serialtrace.quality.domain import RecallState

    assert RecallState.__name__ == "RecallState"
    assert RecallState.__module__ == "serialtrace.quality.enums"
    assert [m.value for m in RecallState] == proto_enums.names(quality_pb2.RecallUnitState)
    assert RecallState("SHIPPED") is RecallState.SHIPPED
    assert RecallState.SHIPPED == "SHIPPED"
