"""The events the owners' ledger entries imply, and the entries a captured effect claims
(plain rules)."""

from __future__ import annotations

from datetime import UTC, datetime

from serialtrace.epcis import domain, implied
from serialtrace.epcis.validation import validate_event

AT = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
NAMES = implied.Names(
    gtins={"FG": "09506000134352", "RESIN": "09506000134369"},
    location_glns={"BIN": "4012345000115"},
    party_glns={"ACME": "4012345000009"},
)
FG_1 = "https://id.gs1.org/01/09506000134352/21/W%2F1"


def entry(service: str, action: str, entity_type: str, entity_id: str, **payload: object):
    return implied.LedgerEntry(service, 7, AT, action, entity_type, entity_id, payload)


def test_commissioning_comes_from_masterdata_registrations_of_commissioned_units() -> None:
    event = implied.implied_event(
        entry("masterdata", "unit.registered", "unit", "FG:W/1", source="COMMISSIONED"), NAMES
    )
    assert event is not None and validate_event(event) == []
    assert (event["action"], event["bizStep"], event["disposition"]) == (
        "ADD", "commissioning", "active"
    )  # fmt: skip
    assert event["epcList"] == [FG_1] and event["eventTime"] == "2024-05-01T10:00:00.123Z"
    purchased = entry("masterdata", "unit.registered", "unit", "FG:W/1", source="PURCHASED")
    assert implied.implied_event(purchased, NAMES) is None
    # No GTIN, no GS1 name: nothing implied.
    unnamed = entry("masterdata", "unit.registered", "unit", "SUB:B1", source="COMMISSIONED")
    assert implied.implied_event(unnamed, NAMES) is None


def test_each_kind_of_entry_gives_a_valid_event() -> None:
    cases = [
        (entry("quality", "inspection.recorded", "unit", "FG:W/1", result="FAIL"),
         ("ObjectEvent", "inspecting", "non_conformant")),
        (entry("production", "component.installed", "unit", "FG:W/1", component_kind="LOT",
               component="RESIN/L1", quantity=2.5),
         ("AssociationEvent", "installing", None)),
        (entry("warehouse", "package.packed", "package", "040123450000000017",
               units=["FG/W/1"], packages=[]),
         ("AggregationEvent", "packing", None)),
        (entry("warehouse", "package.unpacked", "package", "040123450000000017"),
         ("AggregationEvent", "unpacking", None)),
        (entry("warehouse", "unit.shipped", "unit", "FG:W/1", customer="ACME"),
         ("ObjectEvent", "shipping", "in_transit")),
        (entry("warehouse", "unit.received", "unit", "FG:W/1", location="BIN", work_order="W"),
         ("ObjectEvent", "storing", "in_progress")),
        (entry("warehouse", "lot.received", "lot", "RESIN:L1", location="BIN", quantity=5),
         ("ObjectEvent", "receiving", None)),
        (entry("quality", "recall.item", "unit", "FG:W/1", recall="R1"),
         ("ObjectEvent", "holding", "recalled")),
    ]  # fmt: skip
    for ledger_entry, (event_type, biz_step, disposition) in cases:
        event = implied.implied_event(ledger_entry, NAMES)
        assert event is not None, ledger_entry
        assert validate_event(event) == [], (ledger_entry, validate_event(event))
        assert (event["type"], event["bizStep"], event.get("disposition")) == (
            event_type, biz_step, disposition
        )  # fmt: skip
    shipped = implied.implied_event(cases[4][0], NAMES) or {}
    assert shipped["destinationList"] == [
        {"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000009"}
    ]
    recalled = implied.implied_event(cases[7][0], NAMES) or {}
    assert recalled["persistentDisposition"] == {"set": ["recalled"]}
    # The same entry always gives the same event, so the same eventID.
    again = implied.implied_event(cases[0][0], NAMES)
    first = implied.implied_event(cases[0][0], NAMES)
    assert again is not None and first is not None
    assert domain.index_event(again).event_id == domain.index_event(first).event_id


def test_a_captured_effect_claims_the_entries_it_writes() -> None:
    skus = {"09506000134352": "FG"}
    pack = domain.Effect(domain.PACK, (("09506000134352", "W/1"),), "040123450000000017")
    assert implied.claims_of(pack, skus, {}, set(), set()) == [
        ("warehouse", "package.packed", "040123450000000017")
    ]
    ship = domain.Effect(domain.SHIP, packages=("040123450000000017",), party_gln="1")
    contents = {"040123450000000017": [("FG", "W/1"), ("FG", "W/2")]}
    assert implied.claims_of(ship, skus, contents, set(), set()) == [
        ("warehouse", "unit.shipped", "FG:W/1"),
        ("warehouse", "unit.shipped", "FG:W/2"),
    ]
    store = domain.Effect(domain.STORE, (("09506000134352", "W/1"), ("09506000134352", "W/2")))
    assert implied.claims_of(store, skus, {}, set(), {("FG", "W/2")}) == [
        ("warehouse", "unit.received", "FG:W/2")
    ]


def test_a_released_hold_makes_a_unit_available_unless_another_hold_keeps_it() -> None:
    released = entry("quality", "hold.released_from", "unit", "FG:W/1", hold="H1", still_held=False)
    event = implied.implied_event(released, NAMES)
    assert event is not None and validate_event(event) == []
    assert (event["type"], event["action"], event["disposition"]) == (
        "ObjectEvent", "OBSERVE", "available"
    )  # fmt: skip
    assert "bizStep" not in event and event["epcList"] == [FG_1]
    assert event["persistentDisposition"] == {"unset": ["non_sellable_other"]}
    still = entry("quality", "hold.released_from", "unit", "FG:W/1", hold="H1", still_held=True)
    assert implied.implied_event(still, NAMES) is None
    lot = entry("quality", "hold.released_from", "lot", "RESIN:L1", hold="H1", still_held=False)
    assert implied.implied_event(lot, NAMES) is None  # a lot's hold implies no event either
