"""Validation against the EPCIS 2.0.1 JSON schema, with format checks on: every official
GS1 example passes, every invalid openEPCIS sample is refused at the failing path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from serialtrace.epcis.validation import _schema, is_valid, validate_document, validate_event

DATA = Path(__file__).parent / "data"
GS1_EXAMPLES = sorted((DATA / "gs1-examples").rglob("*.jsonld"))
INVALID = DATA / "openepcis"

# Each invalid sample and a failing place (JSON pointer) the refusal must name.
REFUSED_AT = {
    "Capture/Invalid/Combination_of_events_with_missing_mandatory_fields.json": (
        "/epcisBody/eventList/0", "'action' is missing"),
    "Capture/Invalid/Combination_of_multiple_invalid_fields.json": (
        "/epcisBody/eventList/0/bizStep", "'transforming' is not a valid uri"),
    "Capture/Invalid/Combination_of_non_standard_bizStep_and_disposition.json": (
        "/epcisBody/eventList/1/disposition", "'in_transport' is not a valid uri"),
    "Capture/Invalid/EPCISDocument_without_context.json": ("", "'@context' is missing"),
    "Capture/Invalid/ObjectEvent_with_ilmd_field_without_namespace.json": (
        "/epcisBody/eventList/0/ilmd", "'materialType'"),
    "Capture/Invalid/ObjectEvent_with_invalid_action.json": (
        "/epcisBody/eventList/0/action", "'CREATE'"),
    "Capture/Invalid/ObjectEvent_with_invalid_certificationInfo.json": (
        "/epcisBody/eventList/0/certificationInfo", "is not of type"),
    "Capture/Invalid/ObjectEvent_with_invalid_eventTime_format.json": (
        "/epcisBody/eventList/0/eventTime", "'22-07-2026' is not a valid date-time"),
    "Capture/Invalid/ObjectEvent_with_non_standard_bizStep.json": (
        "/epcisBody/eventList/0/bizStep", "'transforming'"),
    "Capture/Invalid/ObjectEvent_with_non_standard_bizStep_in_second_event.json": (
        "/epcisBody/eventList/1/bizStep", "'transforming'"),
    "Capture/Invalid/ObjectEvent_with_non_standard_disposition.json": (
        "/epcisBody/eventList/0/disposition", "'in_transport'"),
    "Capture/Invalid/ObjectEvent_with_quantity_as_text.json": (
        "/epcisBody/eventList/0/quantityList/0/quantity", "'twenty' is not of type number"),
    "Capture/Invalid/ObjectEvent_with_unknown_field_in_quantityList.json": (
        "/epcisBody/eventList/0/quantityList/0", "'weight' was unexpected"),
    "Capture/Invalid/ObjectEvent_without_action_and_eventTime.json": (
        "/epcisBody/eventList/0", "'eventTime' is missing"),
    "Capture/Invalid/ObjectEvent_without_identifier_list.json": (
        "/epcisBody/eventList/0", "'epcList' is missing"),
    "Query/Invalid/QueryDocument_with_invalid_action.json": (
        "/epcisBody/queryResults/resultsBody/eventList/0/action", "'INVALIDACTION'"),
    "Query/Invalid/QueryDocument_with_invalid_eventType.json": (
        "/epcisBody/queryResults/resultsBody/eventList/0/type", "'ObjectEventInvalid'"),
}  # fmt: skip

# openEPCIS calls these valid; the 2.0.1 schema does not (a sensor report needs a type,
# and a measurement type must be a standard word or a URI), and we follow the schema.
REFUSED_BY_THE_SCHEMA = {
    "SensorData_with_combined_events.json": [
        "/epcisBody/eventList/7/sensorElementList/0/sensorReport/1/type",
        "/epcisBody/eventList/7/sensorElementList/0/sensorReport/2/type",
        "/epcisBody/eventList/8/sensorElementList/0/sensorReport/0",
        "/epcisBody/eventList/8/sensorElementList/0/sensorReport/1",
        "/epcisBody/eventList/10/sensorElementList/0/sensorReport/0/type",
    ],
    "TransactionEvent_with_userExtensions.json": [
        "/epcisBody/eventList/0/sensorElementList/0/sensorReport/0/type"
    ],
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def test_all_samples_are_here() -> None:
    assert len(GS1_EXAMPLES) == 47
    assert sorted(str(p.relative_to(INVALID)) for p in INVALID.rglob("Invalid/*.json")) == sorted(
        REFUSED_AT
    )


@pytest.mark.parametrize("path", GS1_EXAMPLES, ids=lambda p: p.name)
def test_every_official_example_validates(path: Path) -> None:
    assert validate_document(_load(path)) == []


@pytest.mark.parametrize("sample", sorted(REFUSED_AT))
def test_every_invalid_sample_is_refused_naming_the_failing_path(sample: str) -> None:
    pointer, fragment = REFUSED_AT[sample]
    violations = validate_document(_load(INVALID / sample))
    assert any(v.pointer == pointer and fragment in v.message for v in violations), violations
    # An error inside an event says which event, so `proceed` can capture the others.
    for v in violations:
        if "/eventList/" in v.pointer:
            assert v.event_index == int(v.pointer.split("/eventList/")[1].split("/")[0])


@pytest.mark.parametrize("name", sorted(REFUSED_BY_THE_SCHEMA))
def test_samples_with_non_standard_measurement_types_are_refused(name: str) -> None:
    violations = validate_document(_load(INVALID / "Capture" / "Documents" / name))
    assert [v.pointer for v in violations] == REFUSED_BY_THE_SCHEMA[name]


def test_both_validators_agree_on_every_sample() -> None:
    """fastjsonschema decides, jsonschema explains: they must draw the same line."""
    reference = Draft7Validator(_schema(), format_checker=FormatChecker(["uri", "date-time"]))
    samples = [*GS1_EXAMPLES, *INVALID.rglob("*.json")]
    for path in samples:
        document = _load(path)
        assert is_valid(document) == reference.is_valid(document), path.name


def test_format_checks_are_on() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01 10:00",
        "eventTimeZoneOffset": "+02:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
    }
    assert [str(v) for v in validate_event(event)] == [
        "/eventTime: '2024-05-01 10:00' is not a valid date-time"
    ]


def test_a_long_bad_value_is_echoed_shortened() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "eventTimeZoneOffset": "+02:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
        "bizStep": "x" * 5000,
    }
    (violation,) = validate_event(event)
    assert violation.pointer == "/bizStep"
    assert len(violation.message) < 150
