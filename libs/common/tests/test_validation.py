"""Input checks shared by every service."""

import re
from enum import StrEnum

import pytest

from serialtrace.common.errors import InvalidArgument
from serialtrace.common.validation import (
    key_after,
    key_page_token,
    page_size,
    parse_enum,
    parse_json_object,
)


class Color(StrEnum):
    RED = "RED"


def test_enum_names_are_parsed_or_the_allowed_ones_listed() -> None:
    assert parse_enum(Color, "RED", "color") is Color.RED
    with pytest.raises(InvalidArgument, match="color is required: one of RED"):
        parse_enum(Color, "", "color")


def test_json_objects_only_within_the_size_limit() -> None:
    assert parse_json_object("", "measurements") == {}
    assert parse_json_object('{"v": 1}', "measurements") == {"v": 1}
    for text, message in (
        ("[1]", "JSON object"),
        ("{", "not valid JSON"),
        ('{"x": "' + "y" * 100 + '"}', "larger than 50 bytes"),
    ):
        with pytest.raises(InvalidArgument, match=message):
            parse_json_object(text, "measurements", max_bytes=50)


def test_page_sizes_and_key_tokens_round_trip() -> None:
    assert page_size(0, 1000) == 100 and page_size(7, 1000) == 7
    with pytest.raises(InvalidArgument, match="1 to 1000"):
        page_size(1001, 1000)
    assert key_after(key_page_token(("SKU-1", "SN:with:colons"))) == ("SKU-1", "SN:with:colons")
    assert key_after("") is None
    with pytest.raises(InvalidArgument, match="page_token"):
        key_after("garbage")


# --- the bounds on every input -------------------------------------------------------------

import grpc  # noqa: E402

from serialtrace.common.errors import (  # noqa: E402
    MAX_MESSAGE_BYTES,
    ServiceError,
    capped,
    from_rpc_error,
)
from serialtrace.common.validation import (  # noqa: E402
    CODE,
    DESCRIPTION,
    JSON_TEXT,
    SCAN_CODE,
    SERIAL,
    check_code,
    check_list,
    check_request,
    check_serial,
    check_text,
    list_limit,
    quote,
    text_limit,
)
from serialtrace.core.v1 import core_pb2  # noqa: E402
from serialtrace.production.v1 import production_pb2 as pp  # noqa: E402


def test_quote_shows_at_most_sixty_characters_and_says_how_long_the_value_was() -> None:
    assert quote("SN-1") == "'SN-1'"
    shown = quote("x" * 10_000)
    assert shown.startswith("'" + "x" * 60 + "'…") and "(10,000 characters)" in shown
    assert "x" * 61 not in shown
    assert quote("a\u200bb") == "'a\\u200bb'"  # invisible characters are shown escaped


def test_text_within_its_limit_passes_and_beyond_it_names_field_and_limit() -> None:
    assert check_text("S" * 100, "serial", SERIAL) == "S" * 100
    with pytest.raises(InvalidArgument, match=r"^serial is 101 characters long; the limit is 100"):
        check_text("S" * 101, "serial", SERIAL)
    with pytest.raises(InvalidArgument) as raised:
        check_text("S" * 20_000, "serial", SERIAL)
    assert "S" * 20 not in raised.value.message  # the value itself is not echoed


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("SN\x00", "control character (U+0000) at position 3"),
        ("SN\x07X", "control character (U+0007)"),
        ("SN\n1", "control character (U+000A)"),
        ("\x9bSN", "control character (U+009B) at position 1"),
        ("SN\u200b1", "zero-width) character (U+200B)"),
        ("\ufeffSN", "(U+FEFF)"),
        ("SN\u202e1", "(U+202E)"),  # right-to-left override
        ("SN\u2060", "(U+2060)"),  # word joiner
    ],
)
def test_control_and_invisible_characters_are_refused(value: str, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(problem)):
        check_serial(value)


def test_free_text_may_span_lines_json_may_hold_anything_scans_keep_gs() -> None:
    assert check_text("line one\n\tline two", "description", DESCRIPTION)
    with pytest.raises(InvalidArgument, match=re.escape("U+0007")):
        check_text("bell\x07", "description", DESCRIPTION)
    assert check_text('{"a": "\\u0000"}\n', "measurements", JSON_TEXT)
    assert check_text("0109506000134352\x1d21SN1", "code", SCAN_CODE)
    with pytest.raises(InvalidArgument, match=re.escape("U+001E")):
        check_text("01\x1e21", "code", SCAN_CODE)


def test_required_text_may_not_be_empty_or_blank() -> None:
    for value in ("", "   "):
        with pytest.raises(InvalidArgument, match="serial is required and was empty"):
            check_serial(value)
    assert check_text("", "line", CODE) == ""  # optional: empty means absent


def test_one_code_rule_for_skus_locations_stations_and_operations() -> None:
    for good in ("SKU-1", "WH.A_1", "LINE-1/SOLDER", "A" * 64):
        assert check_code(good, "station") == good
    for bad in ("", "-A", "/A", "A B", "A:B", "A" * 65, "Ä1", "A\u200b"):
        with pytest.raises(InvalidArgument, match="station"):
            check_code(bad, "station")


def test_limits_by_field_name_and_suffix() -> None:
    assert text_limit("serial") is SERIAL and text_limit("serials") is SERIAL
    assert text_limit("to_location_code") is CODE and text_limit("output_location_code") is CODE
    assert text_limit("measurements_json").json
    assert text_limit("anything_else").max_length == 200
    assert list_limit("scans") == 1_000 and list_limit("units") == 10_000
    with pytest.raises(InvalidArgument, match=r"^units holds 10,001 items; the limit is 10,000"):
        check_list(10_001, "units")


def test_a_request_is_checked_at_any_depth_and_keys_must_be_complete() -> None:
    fine = pp.RecordOperationsRequest(
        items=[
            pp.RecordOperationRequest(
                unit=core_pb2.UnitKey(sku="A", serial="B"),
                operation="OP",
                station="LINE-1/OP",
                measurements_json='{"note": "line\\nbreak"}',
            )
        ]
    )
    check_request(fine)
    for request, message in (
        (
            pp.RecordOperationsRequest(
                items=[
                    pp.RecordOperationRequest(unit=core_pb2.UnitKey(sku="A", serial="S" * 10_000))
                ]
            ),
            "items[0].unit.serial is 10,000 characters long; the limit is 100",
        ),
        (
            pp.RecordOperationRequest(unit=core_pb2.UnitKey(sku="A")),
            "unit.serial is required and was empty",
        ),
        (
            pp.RecordOperationRequest(
                unit=core_pb2.UnitKey(sku="A", serial="B"), station="S\u200b"
            ),
            "station contains an invisible (zero-width) character (U+200B)",
        ),
        (
            pp.BatchGetUnitBuildsRequest(
                units=[core_pb2.UnitKey(sku="A", serial=str(n)) for n in range(10_001)]
            ),
            "units holds 10,001 items; the limit is 10,000",
        ),
        # Deep in a long list of keys, the bad one is named by its place.
        (
            pp.BatchGetUnitBuildsRequest(
                units=[core_pb2.UnitKey(sku="A", serial=str(n)) for n in range(500)]
                + [core_pb2.UnitKey(sku="A", serial="B\x07")]
            ),
            "units[500].serial contains a control character (U+0007)",
        ),
        (
            pp.BatchGetUnitBuildsRequest(
                units=[core_pb2.UnitKey(sku="A", serial="1"), core_pb2.UnitKey(serial="2")]
            ),
            "units[1].sku is required and was empty",
        ),
    ):
        with pytest.raises(InvalidArgument) as raised:
            check_request(request)
        assert raised.value.message.startswith(message), raised.value.message


def test_no_status_message_exceeds_the_safe_size() -> None:
    long = ServiceError("x" * 50_000)
    assert len(long.message.encode()) <= MAX_MESSAGE_BYTES and long.message.endswith(
        "(message cut)"
    )
    wide = capped("é" * 5_000)  # two bytes each: cut on a character boundary
    assert len(wide.encode()) <= MAX_MESSAGE_BYTES and "é" in wide


class _Failed(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str, verdict: bool = False) -> None:
        self._code, self._details = code, details
        self._trailing = (("serialtrace-verdict", "production"),) if verdict else ()

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> object:
        return self._trailing


def test_what_the_transport_said_never_reaches_the_caller() -> None:
    transport = "Stream removed (received metadata size exceeds hard limit (16k vs. 16k))"
    internal = from_rpc_error(_Failed(grpc.StatusCode.INTERNAL, transport), "production")
    assert "Stream removed" not in internal.message and "production" in internal.message
    refused = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1"
    down = from_rpc_error(_Failed(grpc.StatusCode.UNAVAILABLE, refused), "masterdata")
    assert down.code == grpc.StatusCode.UNAVAILABLE and "127.0.0.1" not in down.message
    own = from_rpc_error(
        _Failed(grpc.StatusCode.INTERNAL, "internal error in the production service", True),
        "production",
    )
    assert own.message == "internal error in the production service"
    verdict = from_rpc_error(_Failed(grpc.StatusCode.NOT_FOUND, "no unit", True), "production")
    assert (verdict.code, verdict.message) == (grpc.StatusCode.NOT_FOUND, "no unit")


def test_a_call_that_timed_out_does_not_claim_that_nothing_changed() -> None:
    """The callee may commit after the caller stopped waiting: the caller is told to
    learn the outcome by repeating the request under its idempotency key."""
    late = from_rpc_error(_Failed(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline"), "quality")
    assert late.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "nothing was changed" not in late.message
    assert "quality" in late.message and "same idempotency key" in late.message


def test_the_documented_limits_are_the_enforced_ones() -> None:
    """docs/input-limits.md lists every named field with the maximum the table enforces."""
    from pathlib import Path

    from serialtrace.common.validation import TEXT_LIMITS

    page = (Path(__file__).resolve().parents[3] / "docs" / "input-limits.md").read_text()
    text_table = page.split("## Text fields")[1].split("## Lists")[0]
    rows = [line for line in text_table.splitlines() if line.startswith("| `")]
    for name, limit in TEXT_LIMITS.items():
        [row] = [r for r in rows if f"`{name}`" in r.split("|")[1]]
        assert f"{limit.max_length:,} " in row.split("|")[2], (name, row)


def test_a_batch_names_at_most_its_bound_and_says_how_many_it_got() -> None:
    from serialtrace.common.validation import MAX_BATCH, check_batch

    check_batch(MAX_BATCH, "units")
    with pytest.raises(InvalidArgument, match="at most 10000 units per call, got 10001"):
        check_batch(MAX_BATCH + 1, "units")


# --- every bounded field of every request, however deep ---------------------------------

from google.protobuf.descriptor import FieldDescriptor  # noqa: E402

from serialtrace.common import validation  # noqa: E402
from serialtrace.core.v1 import access_pb2  # noqa: E402
from serialtrace.epcis.v1 import epcis_pb2  # noqa: E402
from serialtrace.masterdata.v1 import masterdata_pb2  # noqa: E402
from serialtrace.quality.v1 import quality_pb2  # noqa: E402
from serialtrace.warehouse.v1 import warehouse_pb2  # noqa: E402

_SERVICE_MODULES = (access_pb2, epcis_pb2, masterdata_pb2, pp, quality_pb2, warehouse_pb2)


def _requests() -> list[type]:
    found = {}
    for module in _SERVICE_MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                found[method.input_type.full_name] = method.input_type._concrete_class
    return sorted(found.values(), key=lambda cls: cls.DESCRIPTOR.full_name)


def _string_paths(descriptor, depth: int = 4, seen: tuple = ()):  # type: ignore[no-untyped-def]
    """Each path of fields, from a request, to a bounded string field in it."""
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            yield (field,)
        elif (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and not field.message_type.GetOptions().map_entry
            and depth > 0
            and field.message_type.full_name not in seen
        ):
            inner = (*seen, field.message_type.full_name)
            for rest in _string_paths(field.message_type, depth - 1, inner):
                yield (field, *rest)


def _with_bad_text(cls: type, path: tuple) -> tuple[object, str]:
    """A request whose one field at `path` holds text beyond its bound, and that path."""
    request = cls()
    message, names = request, []
    for field in path[:-1]:
        container = getattr(message, field.name)
        message = container.add() if field.is_repeated else container
        names.append(f"{field.name}[0]" if field.is_repeated else field.name)
        if message.DESCRIPTOR.full_name in validation._KEY_MESSAGES:
            for key_field in message.DESCRIPTOR.fields:  # the key's other parts are fine
                setattr(message, key_field.name, "X")
    last = path[-1]
    limit = validation.text_limit(last.name)
    bad = "x" * (limit.max_length + 1) if limit.json else "bad\u200bvalue"
    if last.is_repeated:
        getattr(message, last.name).extend(["fine", bad])
        names.append(f"{last.name}[1]")
    else:
        setattr(message, last.name, bad)
        names.append(last.name)
    return request, ".".join(names)


def test_every_text_field_of_every_request_is_checked_at_any_depth() -> None:
    checked = 0
    for cls in _requests():
        for path in _string_paths(cls.DESCRIPTOR):
            request, where = _with_bad_text(cls, path)
            with pytest.raises(InvalidArgument) as raised:
                check_request(request)
            assert raised.value.message.startswith(where), (cls.__name__, raised.value.message)
            checked += 1
    assert checked > 300  # the walk above reached the requests' nested fields


def test_a_fine_request_is_vouched_for_without_walking_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walked: list[str] = []
    real_walk = validation._problems

    def walk(message, prefix):  # type: ignore[no-untyped-def]
        walked.append(message.DESCRIPTOR.full_name)
        return real_walk(message, prefix)

    monkeypatch.setattr(validation, "_problems", walk)
    items = [
        pp.RecordOperationRequest(
            unit=core_pb2.UnitKey(sku="BOARD-A", serial=f"SN{n:06d}"),
            operation="ICT",
            station="ST-01",
            measurements_json='{"v": 3.3}',
            idempotency_key=f"k-{n}",
        )
        for n in range(1_000)
    ]
    check_request(pp.RecordOperationsRequest(items=items))
    assert walked == []
    items[-1].unit.serial = ""  # one incomplete key among 1,000: the walk names it
    with pytest.raises(InvalidArgument, match=r"^items\[999\]\.unit\.serial is required"):
        check_request(pp.RecordOperationsRequest(items=items))
    assert walked
