"""Unit registry rules (docs/business-rules.md: units, serials) against the real service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from serialtrace.common.testing import rpc_error, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as pb

Masterdata = Any  # the `masterdata` fixture (conftest.Masterdata)

COMMISSIONED = pb.UNIT_SOURCE_COMMISSIONED


def test_duplicate_serial_is_already_exists_and_leaves_one_row(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    masterdata.register(sku, "SN-1")
    error = rpc_error(masterdata.register, sku, "SN-1")
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "SN-1" in error.details()
    assert masterdata.unit_rows(sku, "SN-1") == 1


def test_serial_not_matching_pattern_is_invalid_argument_naming_the_pattern(
    masterdata: Masterdata,
) -> None:
    sku = masterdata.serial_product(serial_pattern=r"SN\d{6}")
    error = rpc_error(masterdata.register, sku, "SN12345X")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert r"SN\d{6}" in error.details() and "SN12345X" in error.details()
    assert masterdata.unit_rows(sku) == 0


@pytest.mark.parametrize("backend", ["masterdata", "masterdata_sqlite"])
def test_global_uniqueness_rejects_the_same_serial_under_another_product(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """On PostgreSQL the claims are one array statement, on SQLite IN-lists: both refuse."""
    masterdata: Masterdata = request.getfixturevalue(backend)
    serial = unique("G")
    per_product = masterdata.serial_product()
    masterdata.register(per_product, serial)
    global_sku = masterdata.serial_product(uniqueness=pb.UNIQUENESS_GLOBAL)
    error = rpc_error(masterdata.register, global_sku, serial)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert per_product in error.details()

    claimed = unique("G")
    masterdata.register(global_sku, claimed)
    error = rpc_error(masterdata.register, per_product, claimed)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert masterdata.unit_rows(per_product, claimed) == 0


def test_same_serial_under_two_product_scoped_products_is_allowed(masterdata: Masterdata) -> None:
    serial = unique("P")
    first, second = masterdata.serial_product(), masterdata.serial_product()
    masterdata.register(first, serial)
    masterdata.register(second, serial)
    found = masterdata.as_role("viewer").FindUnitsBySerial(
        pb.FindUnitsBySerialRequest(serial=serial)
    )
    assert sorted(u.sku for u in found.units) == sorted([first, second])


def test_fifty_concurrent_allocations_of_100_give_5000_distinct_serials(
    masterdata: Masterdata,
) -> None:
    sku = masterdata.serial_product(serial_template="SN{seq:08d}", serial_pattern=r"SN\d{8}")
    planner = masterdata.as_role("planner")

    def allocate(_: int) -> list[str]:
        return list(planner.AllocateSerials(pb.AllocateSerialsRequest(sku=sku, count=100)).serials)

    with ThreadPoolExecutor(max_workers=50) as pool:
        batches = list(pool.map(allocate, range(50)))
    serials = [s for batch in batches for s in batch]
    assert len(serials) == 5000
    assert len(set(serials)) == 5000
    assert sorted(serials)[0] == "SN00000001" and sorted(serials)[-1] == "SN00005000"


def test_register_by_count_draws_from_the_sequence_with_required_attributes(
    masterdata: Masterdata,
) -> None:
    sku = masterdata.serial_product(serial_template="A{seq:04d}", required_attributes=["color"])
    planner = masterdata.as_role("planner")
    error = rpc_error(
        planner.RegisterUnits,
        pb.RegisterUnitsRequest(sku=sku, count=2, source=COMMISSIONED, attributes_json="{}"),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "color" in error.details()
    units = planner.RegisterUnits(
        pb.RegisterUnitsRequest(
            sku=sku, count=3, source=COMMISSIONED, attributes_json='{"color": "red"}'
        )
    ).units
    assert [u.serial for u in units] == ["A0001", "A0002", "A0003"]
    assert all(u.attributes_json == '{"color":"red"}' for u in units)


def test_register_5000_serials_in_one_call(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    serials = [f"BULK{n:06d}" for n in range(5000)]
    units = masterdata.register(sku, *serials).units
    assert len(units) == 5000
    assert masterdata.unit_rows(sku) == 5000
    keys = [core_pb2.UnitKey(sku=sku, serial=s) for s in serials[:10]]
    got = masterdata.as_role("viewer").BatchGetUnits(pb.BatchGetUnitsRequest(keys=keys))
    assert sorted(u.serial for u in got.units) == serials[:10]


def test_alias_resolves_to_its_unit_and_cannot_name_a_second_unit(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    masterdata.register(sku, "U1", "U2")
    operator = masterdata.as_role("operator")
    mac = unique("AA:BB:CC")
    unit = operator.AddUnitAlias(
        pb.AddUnitAliasRequest(
            unit=core_pb2.UnitKey(sku=sku, serial="U1"), alias=pb.UnitAlias(kind="mac", value=mac)
        )
    )
    assert [(a.kind, a.value) for a in unit.unit.aliases] == [("MAC", mac)]
    resolved = operator.ResolveAliases(
        pb.ResolveAliasesRequest(
            aliases=[pb.UnitAlias(kind="MAC", value=mac), pb.UnitAlias(kind="MAC", value="nope")]
        )
    )
    assert [(r.unit.sku, r.unit.serial) for r in resolved.resolved] == [(sku, "U1")]
    error = rpc_error(
        operator.AddUnitAlias,
        pb.AddUnitAliasRequest(
            unit=core_pb2.UnitKey(sku=sku, serial="U2"), alias=pb.UnitAlias(kind="MAC", value=mac)
        ),
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert f"{sku}/U1" in error.details()


def test_alias_without_kind_resolves_the_value_under_any_kind(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    masterdata.register(sku, "K1", "K2")
    operator = masterdata.as_role("operator")
    tag = unique("TAG")
    for serial, kind in (("K1", "CUSTOMER_TAG"), ("K2", "FORMER_SERIAL")):
        operator.AddUnitAlias(
            pb.AddUnitAliasRequest(
                unit=core_pb2.UnitKey(sku=sku, serial=serial),
                alias=pb.UnitAlias(kind=kind, value=tag),
            )
        )
    only_k1 = unique("IMEI")
    operator.AddUnitAlias(
        pb.AddUnitAliasRequest(
            unit=core_pb2.UnitKey(sku=sku, serial="K1"),
            alias=pb.UnitAlias(kind="IMEI", value=only_k1),
        )
    )

    def resolve(value: str) -> list[tuple[str, str]]:
        request = pb.ResolveAliasesRequest(aliases=[pb.UnitAlias(kind="", value=value)])
        return sorted(
            (r.alias.kind, r.unit.serial) for r in operator.ResolveAliases(request).resolved
        )

    assert resolve(only_k1) == [("IMEI", "K1")]
    assert resolve(tag) == [("CUSTOMER_TAG", "K1"), ("FORMER_SERIAL", "K2")]
    assert resolve("never-seen") == []


def test_units_are_not_registered_for_lot_tracked_products(masterdata: Masterdata) -> None:
    sku = masterdata.lot_product("LOTSKU")
    error = rpc_error(masterdata.register, sku, "X1")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
