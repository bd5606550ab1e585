"""The generated `<file>_enums.py` StrEnums (what the services' domains use) say the same
names as the wire: each enum's members are protomap.enum_str's names of its proto enum,
in proto order, and each member's value is its name."""

from __future__ import annotations

import importlib
from enum import StrEnum

import pytest

from serialtrace.common.protomap import enum_str, enum_value

PROTO_MODULES = [
    "serialtrace.core.v1.core",
    "serialtrace.core.v1.access",
    "serialtrace.masterdata.v1.masterdata",
    "serialtrace.production.v1.production",
    "serialtrace.quality.v1.quality",
    "serialtrace.warehouse.v1.warehouse",
    "serialtrace.epcis.v1.epcis",
]


@pytest.mark.parametrize("module", PROTO_MODULES)
def test_each_generated_enum_is_its_proto_enum_by_name(module: str) -> None:
    stubs = importlib.import_module(f"{module}_pb2")
    enums = importlib.import_module(f"{module}_enums")
    assert stubs.DESCRIPTOR.enum_types_by_name, f"{module} has no enums"
    for name in stubs.DESCRIPTOR.enum_types_by_name:
        proto = getattr(stubs, name)
        generated = getattr(enums, name)
        assert issubclass(generated, StrEnum)
        wire = [enum_str(proto, v.number) for v in proto.DESCRIPTOR.values]
        assert [m.value for m in generated] == [n for n in wire if n]
        assert all(m.value == m.name for m in generated)
        assert all(enum_value(proto, m.value) != 0 for m in generated)


def test_the_domains_use_the_generated_enums_under_their_own_names() -> None:
    from serialtrace.quality import domain as quality
    from serialtrace.quality.v1.quality_enums import RecallUnitState
    from serialtrace.warehouse import domain as warehouse
    from serialtrace.warehouse.v1.warehouse_enums import CustodyStatus

    assert quality.RecallState is RecallUnitState
    assert warehouse.Custody is CustodyStatus
    assert quality.RecallState("SHIPPED") is quality.RecallState.SHIPPED == "SHIPPED"
