"""The EPCIS rules without I/O: indexing, query parameters, page tokens, effects."""

from __future__ import annotations

import pytest

from serialtrace.common.errors import InvalidArgument
from serialtrace.epcis import domain
from serialtrace.epcis.event_hash import event_hash
from serialtrace.epcis.testing import object_event

GTIN = "04012345111118"
UNIT = f"https://id.gs1.org/01/{GTIN}/21/A1"


def test_an_event_is_indexed_in_canonical_forms() -> None:
    event = object_event(
        "urn:epc:id:sgtin:4012345.011111.A1",
        bizStep="urn:epcglobal:cbv:bizstep:shipping",
        disposition="https://ref.gs1.org/cbv/Disp-in_transit",
    )
    indexed = domain.index_event(event)
    assert indexed.event_id == event_hash(event) == indexed.event["eventID"]
    assert (indexed.biz_step, indexed.disposition) == ("shipping", "in_transit")
    assert indexed.read_point == "https://id.gs1.org/414/4012345000016"
    assert indexed.identifiers == {(domain.ROLE_EPC, UNIT)}


def test_an_event_id_given_is_kept() -> None:
    event = object_event(eventID="urn:uuid:1b9e0f6e-1d3c-4f5e-8a2b-3c4d5e6f7a8b")
    assert domain.index_event(event).event_id == event["eventID"]


def test_query_parameters_are_parsed_and_unknown_ones_refused() -> None:
    query = domain.parse_query(
        [
            ("eventType", "ObjectEvent|AggregationEvent"),
            ("EQ_bizStep", "https://ref.gs1.org/cbv/BizStep-receiving|shipping"),
            ("MATCH_anyEPC", "urn:epc:id:sgtin:4012345.011111.A1"),
            ("GE_eventTime", "2024-05-01T10:00:00+02:00"),
        ]
    )
    assert query.event_types == ["ObjectEvent", "AggregationEvent"]
    assert query.biz_steps == ["receiving", "shipping"]
    assert query.matches == [(("epc", "parent", "input", "output"), [UNIT])]
    assert query.times["GE_eventTime"].isoformat() == "2024-05-01T08:00:00+00:00"
    for bad, fragment in [
        (("eventType", "ObjectEventInvalid"), "not one of"),
        (("EQ_action", "CREATE"), "ADD, OBSERVE, DELETE"),
        (("LT_recordTime", "soon"), "ISO 8601"),
        (("orderBy", "eventTime"), "not a supported query parameter"),
    ]:
        with pytest.raises(InvalidArgument, match=fragment):
            domain.parse_query([bad])


def test_page_tokens_round_trip_and_forgeries_are_refused() -> None:
    assert domain.after_seq(domain.page_token(42)) == 42
    assert domain.after_seq("") == 0
    with pytest.raises(InvalidArgument, match="nextPageToken"):
        domain.after_seq("bm90LWEtdG9rZW4")
    with pytest.raises(InvalidArgument, match="perPage"):
        domain.page_size_of(1001)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"action": "ADD", "bizStep": "commissioning"}, (domain.COMMISSION, True)),
        ({"bizStep": "inspecting", "disposition": "conformant"}, (domain.INSPECT, True)),
        ({"bizStep": "inspecting", "disposition": "non_conformant"}, (domain.INSPECT, False)),
        ({"bizStep": "inspecting", "disposition": "in_progress"}, None),
        ({"bizStep": "shipping"}, None),  # to no party: stored only
        (
            {
                "bizStep": "shipping",
                "destinationList": [
                    {"type": "owning_party", "destination": "urn:epc:id:pgln:4012345.00000"}
                ],
            },
            (domain.SHIP, True),
        ),
        (
            {"bizStep": "receiving", "bizLocation": {"id": "urn:epc:id:sgln:4012345.00011.0"}},
            (domain.RECEIVE, True),
        ),
        ({"bizStep": "receiving"}, None),  # nowhere: stored only
        (
            {
                "bizStep": "receiving",
                "disposition": "returned",
                "bizLocation": {"id": "urn:epc:id:sgln:4012345.00011.0"},
            },
            (domain.RETURN, True),
        ),
        ({"bizStep": "receiving", "disposition": "returned"}, None),  # nowhere: stored only
        ({"bizStep": "destroying", "disposition": "destroyed"}, (domain.DESTROY, True)),
        ({"action": "DELETE", "bizStep": "destroying"}, None),
        ({"bizStep": "storing"}, (domain.STORE, True)),
        ({"bizStep": "arriving"}, None),
        ({"action": "OBSERVE", "bizStep": "commissioning"}, None),
    ],
)
def test_object_events_and_their_effects(fields: dict, expected: tuple | None) -> None:
    effect = domain.effect_of(domain.index_event(object_event(UNIT, **fields)))
    assert (effect and (effect.kind, effect.passed)) == expected
    if effect:
        assert effect.items == ((GTIN, "A1"),)
    if effect and effect.kind == domain.SHIP:
        assert effect.party_gln == "4012345000009"
    if effect and effect.kind in (domain.RECEIVE, domain.RETURN):
        assert (effect.location_gln, effect.party_gln) == ("4012345000115", "")
    if effect and effect.kind == domain.DESTROY:
        assert effect.reason.startswith("destroyed, as EPCIS event ni:///sha-256;")


def test_a_return_names_its_rma_from_its_business_transaction() -> None:
    returned = object_event(
        UNIT,
        bizStep="receiving",
        disposition="returned",
        bizLocation={"id": "urn:epc:id:sgln:4012345.00011.0"},
        bizTransactionList=[
            {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-1"},
            {"type": "rma", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:RMA-17"},
        ],
    )
    effect = domain.effect_of(domain.index_event(returned))
    assert effect is not None and (effect.kind, effect.rma) == (domain.RETURN, "RMA-17")


def test_packing_and_unpacking_under_an_sscc() -> None:
    packing = {
        "type": "AggregationEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": "urn:epc:id:sscc:4012345.0000000011",
        "childEPCs": [UNIT],
        "action": "ADD",
        "bizStep": "packing",
    }
    packed = domain.effect_of(domain.index_event(packing))
    assert packed == domain.Effect(domain.PACK, ((GTIN, "A1"),), "040123450000000115")
    unpacking = {**packing, "action": "DELETE", "bizStep": "unpacking", "childEPCs": []}
    assert domain.effect_of(domain.index_event(unpacking)) == domain.Effect(
        domain.UNPACK, (), "040123450000000115"
    )
    declared = {**packing, "errorDeclaration": {"declarationTime": "2024-05-02T00:00:00Z"}}
    assert domain.effect_of(domain.index_event(declared)) is None


def test_the_idempotency_key_of_an_effect_is_stable_and_bounded() -> None:
    key = domain.idempotency_key("ni:///sha-256;" + "a" * 64 + "?ver=CBV2.0")
    assert key == domain.idempotency_key("ni:///sha-256;" + "a" * 64 + "?ver=CBV2.0")
    assert len(key) <= 64 and key != domain.idempotency_key("urn:uuid:other")


def test_installing_and_removing_components() -> None:
    component = f"https://id.gs1.org/01/{GTIN}/21/C7"
    installing = {
        "type": "AssociationEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": UNIT,
        "childEPCs": [component],
        "action": "ADD",
        "bizStep": "installing",
    }
    assert domain.effect_of(domain.index_event(installing)) == domain.Effect(
        domain.INSTALL, ((GTIN, "C7"),), parent=(GTIN, "A1")
    )
    removing = {**installing, "action": "DELETE", "bizStep": "removing"}
    assert domain.effect_of(domain.index_event(removing)) == domain.Effect(
        domain.REMOVE, ((GTIN, "C7"),), parent=(GTIN, "A1")
    )
    observed = {**installing, "action": "OBSERVE"}
    assert domain.effect_of(domain.index_event(observed)) is None


LOT_CLASS = f"https://id.gs1.org/01/{GTIN}/10/L7"
SSCC = "urn:epc:id:sscc:4012345.0000000011"


def test_holding_holds_units_packages_and_lots_with_the_events_reason() -> None:
    holding = object_event(
        UNIT,
        SSCC,
        bizStep="holding",
        disposition="non_sellable_other",
        quantityList=[{"epcClass": LOT_CLASS, "quantity": 3}],
        persistentDisposition={"set": ["non_sellable_other"]},
    )
    indexed = domain.index_event(holding)
    effect = domain.effect_of(indexed)
    assert effect is not None
    assert (effect.kind, effect.items, effect.packages, effect.lots) == (
        domain.HOLD,
        ((GTIN, "A1"),),
        ("040123450000000115",),
        ((GTIN, "L7", 0.0),),
    )
    assert indexed.event_id in effect.reason and effect.reason.startswith("non_sellable_other")
    unavailable = {**holding, "disposition": "unavailable"}
    assert domain.effect_of(domain.index_event(unavailable)).kind == domain.HOLD  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"bizStep": "holding", "disposition": "available"}, domain.RELEASE),
        (
            {
                "bizStep": "holding",
                "disposition": "in_progress",
                "persistentDisposition": {"unset": ["unavailable"]},
            },
            domain.RELEASE,
        ),
        ({"bizStep": "holding", "disposition": "recalled"}, domain.RECALL),
        ({"bizStep": None, "disposition": "recalled"}, domain.RECALL),
        ({"bizStep": "shipping", "disposition": "recalled"}, None),  # shipping rules
        ({"bizStep": "holding", "disposition": "in_progress"}, None),
        ({"bizStep": "holding", "disposition": "unavailable", "action": "DELETE"}, None),
    ],
)
def test_releases_and_recalls(fields: dict, expected: str | None) -> None:
    event = {k: v for k, v in object_event(UNIT, **fields).items() if v is not None}
    effect = domain.effect_of(domain.index_event(event))
    assert (effect and effect.kind) == expected


def test_a_transformation_into_one_unit_installs_its_inputs() -> None:
    component = f"https://id.gs1.org/01/{GTIN}/21/C7"
    transformed = {
        "type": "TransformationEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "inputEPCList": [component],
        "inputQuantityList": [{"epcClass": LOT_CLASS, "quantity": 2.5, "uom": "KGM"}],
        "outputEPCList": [UNIT],
        "bizStep": "commissioning",
    }
    assert domain.effect_of(domain.index_event(transformed)) == domain.Effect(
        domain.INSTALL, ((GTIN, "C7"),), parent=(GTIN, "A1"), lots=((GTIN, "L7", 2.5),)
    )
    # Several output units: each is made of every input lot, an equal share of it; a
    # serialized input (a component of one parent only) or an output lot: stored only.
    second = f"https://id.gs1.org/01/{GTIN}/21/A2"
    lots_only = {k: v for k, v in transformed.items() if k != "inputEPCList"}
    into_two = {**lots_only, "outputEPCList": [UNIT, second]}
    assert domain.effect_of(domain.index_event(into_two)) == domain.Effect(
        domain.TRANSFORM, lots=((GTIN, "L7", 1.25),), outputs=((GTIN, "A1"), (GTIN, "A2"))
    )
    two_outputs = {**transformed, "outputEPCList": [UNIT, second]}
    assert domain.effect_of(domain.index_event(two_outputs)) is None
    output_lot = {**into_two, "outputQuantityList": [{"epcClass": LOT_CLASS, "quantity": 1}]}
    assert domain.effect_of(domain.index_event(output_lot)) is None
    no_inputs = {k: v for k, v in transformed.items() if not k.startswith("input")}
    no_inputs["transformationID"] = "urn:epcglobal:cbv:xform:4012345:1"
    assert domain.effect_of(domain.index_event(no_inputs)) is None
