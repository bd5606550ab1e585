"""Input checks every service's domain rules share, and the bounds on every input.

Each text field has a maximum length, each list a maximum size, and no text carries
control or zero-width characters. The gateway checks these on the graph's arguments
before calling any service (BAD_USER_INPUT); every service checks them again on each
gRPC request it serves (INVALID_ARGUMENT), so they hold whichever door a request comes
in by. Error messages show input values through `quote`, never whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from serialtrace.common.errors import InvalidArgument

E = TypeVar("E", bound=StrEnum)

# The most characters of one input value that `quote` shows (an error message never
# echoes more than 100).
QUOTE_LIMIT = 60


def quote(value: str, limit: int = QUOTE_LIMIT) -> str:
    """An input value as an error message shows it: quoted, invisible characters escaped,
    cut after `limit` characters with an ellipsis and the full length."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value):,} characters)"


# --- characters ----------------------------------------------------------------------

# Control characters (C0, DEL, C1), and the invisible ones: soft hyphen, zero-width
# space/joiners, direction marks and overrides, line/paragraph separators, word joiner
# and invisible operators, variation selectors, the byte-order mark, tag characters,
# lone surrogates. A serial with one of these looks right on screen and matches nothing.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000e0000-\U000e0fff"
    "\ud800-\udfff"
)
_FORBIDDEN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
# Free text (a reason, a description) may span lines and hold tabs.
_FORBIDDEN_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


def _forbidden(value: str, multiline: bool, allow: str = "") -> str | None:
    """What is wrong with the characters of `value`, or None."""
    pattern = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_LINE
    if pattern.search(value) is None:  # the usual case, and one regex step
        return None
    found = next((f for f in pattern.finditer(value) if f.group() not in allow), None)
    if found is None:
        return None
    char = found.group()
    kind = "a control character" if ord(char) < 0xA0 else "an invisible (zero-width) character"
    return f"contains {kind} (U+{ord(char):04X}) at position {found.start() + 1}"


# --- the bounds ------------------------------------------------------------------------


@dataclass(frozen=True)
class TextLimit:
    """The bound on one kind of text field."""

    max_length: int
    multiline: bool = False  # free text: line breaks and tabs allowed
    json: bool = False  # JSON text: any character, its size is what is bounded
    allow: str = ""  # control characters this kind of text carries on purpose


CODE = TextLimit(64)  # SKUs, party/location codes, stations, operations, lines
SERIAL = TextLimit(100)
LOT_NUMBER = TextLimit(40)
SSCC = TextLimit(18)
GS1_KEY = TextLimit(14)  # GTIN (8, 12, 13 or 14 digits); GLN (13)
IDENTIFIER = TextLimit(64)  # ids this suite hands out (work orders, holds, recalls...)
REVISION = TextLimit(20)
NAME = TextLimit(200)
REFERENCE = TextLimit(100)  # carrier, tracking number, RMA number, alias value...
REASON = TextLimit(500, multiline=True)  # reasons and e-signature meanings
DESCRIPTION = TextLimit(2000, multiline=True)
IDEMPOTENCY_KEY = TextLimit(200)
PAGE_TOKEN = TextLimit(200)
# What a scanner read: an element string (with GS, ASCII 29, as its FNC1 separator), a
# Digital Link, an alias.
SCAN_CODE = TextLimit(256, allow="\x1d")
SERIAL_PATTERN = TextLimit(500)
JSON_TEXT = TextLimit(65_536, json=True)
QUERY_ARGUMENT = TextLimit(8192)  # an EPCIS query parameter: a pipe-delimited list of URIs
EVENT_ID = TextLimit(512)  # an EPCIS eventID: a URI, e.g. ni:///sha-256;<64 hex>?ver=CBV2.0
DEFAULT_TEXT = TextLimit(200)  # any text field not named below

# By field name (the proto's snake_case name; the gateway converts the graph's
# camelCase names). Names ending in _code, _sscc(s), _id(s) or _json follow their kind.
TEXT_LIMITS: dict[str, TextLimit] = {
    "sku": CODE,
    "skus": CODE,
    "code": CODE,
    "codes": CODE,
    "station": CODE,
    "operation": CODE,
    "operations": CODE,
    "line": CODE,
    "serial": SERIAL,
    "serials": SERIAL,
    "lot_number": LOT_NUMBER,
    "supplier_lot_number": LOT_NUMBER,
    "sscc": SSCC,
    "ssccs": SSCC,
    "packages": SSCC,
    "gtin": GS1_KEY,
    "gtins": GS1_KEY,
    "gln": GS1_KEY,
    "id": IDENTIFIER,
    "ids": IDENTIFIER,
    "revision": REVISION,
    "bom_revision": REVISION,
    "name": NAME,
    "kind": TextLimit(32),  # alias kind (MAC, IMEI...)
    "value": REFERENCE,  # alias value
    "carrier": REFERENCE,
    "tracking_number": REFERENCE,
    "rma_number": REFERENCE,
    "reference": REFERENCE,
    "reason": REASON,
    "removal_reason": REASON,
    "meaning": REASON,
    "description": DESCRIPTION,
    "idempotency_key": IDEMPOTENCY_KEY,
    "page_token": PAGE_TOKEN,
    "after": PAGE_TOKEN,
    "serial_pattern": SERIAL_PATTERN,
    "serial_template": REFERENCE,
    "required_attributes": CODE,
    "service": TextLimit(20),
    "entity_type": CODE,
    "entity_id": NAME,
    "entity_ids": NAME,
    "event_id": EVENT_ID,
    "argument": QUERY_ARGUMENT,
    "event_ids": EVENT_ID,
    "measurements": JSON_TEXT,
    "attributes": JSON_TEXT,
}
_SUFFIX_LIMITS = (
    ("_code", CODE),
    ("_codes", CODE),
    ("_sscc", SSCC),
    ("_ssccs", SSCC),
    ("_id", IDENTIFIER),
    ("_ids", IDENTIFIER),
    ("_json", JSON_TEXT),
)

DEFAULT_LIST = 10_000  # items in any list not named below
# Batch RPCs and routes say their own, smaller limits (e.g. 1,000 operation records per
# RecordOperations call, 100 operations in a route) in their own words.
LIST_LIMITS: dict[str, int] = {
    "scans": 1_000,  # one offline scanner batch
    "required_attributes": 100,
}


def text_limit(name: str) -> TextLimit:
    """The bound on a text field called `name` (snake_case)."""
    found = TEXT_LIMITS.get(name)
    if found is not None:
        return found
    for suffix, limit in _SUFFIX_LIMITS:
        if name.endswith(suffix):
            return limit
    return DEFAULT_TEXT


def list_limit(name: str) -> int:
    """The most items a list field called `name` (snake_case) may hold."""
    return LIST_LIMITS.get(name, DEFAULT_LIST)


# --- the checks -------------------------------------------------------------------------


def check_text(
    value: str,
    field: str,
    limit: TextLimit = DEFAULT_TEXT,
    *,
    required: bool = False,
) -> str:
    """`value` if it is within `limit` (and not blank, when required), else
    INVALID_ARGUMENT naming `field` and the limit."""
    if required and not value.strip():
        raise InvalidArgument(f"{field} is required and was empty")
    if len(value) > limit.max_length:
        raise InvalidArgument(
            f"{field} is {len(value):,} characters long; the limit is "
            f"{limit.max_length:,} characters"
        )
    if not limit.json and (problem := _forbidden(value, limit.multiline, limit.allow)):
        raise InvalidArgument(f"{field} {problem}; remove it and send the request again")
    return value


def check_free_text(value: str, field: str, limit: TextLimit = REASON) -> str:
    """A required free-text value (a reason, a meaning), stripped."""
    return check_text(value.strip(), field, limit, required=True)


def check_list(size: int, field: str, maximum: int | None = None) -> None:
    """INVALID_ARGUMENT when a list holds more than `maximum` items."""
    most = list_limit(field.rsplit(".", 1)[-1]) if maximum is None else maximum
    if size > most:
        raise InvalidArgument(f"{field} holds {size:,} items; the limit is {most:,}; split it")


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def check_code(value: str, what: str) -> str:
    """SKUs, party and location codes, operations, stations and lines: 1-64 letters,
    digits, '.', '_', '/' or '-', starting with a letter or digit."""
    check_text(value, what, CODE, required=True)
    if not _CODE.fullmatch(value):
        raise InvalidArgument(
            f"{what} {quote(value)} is not valid: use 1-{CODE.max_length} letters, digits, "
            "'.', '_', '/' or '-', starting with a letter or digit"
        )
    return value


def check_serial(value: str, what: str = "serial") -> str:
    """A serial as given: 1-100 characters, none of them control or invisible."""
    return check_text(value, what, SERIAL, required=True)


def check_lot_number(value: str, what: str = "lot number") -> str:
    return check_text(value, what, LOT_NUMBER, required=True)


# --- every text field and list of a gRPC request ----------------------------------------

# Keys name something that must exist: none of their fields may be empty.
_KEY_MESSAGES = frozenset({"serialtrace.core.v1.UnitKey", "serialtrace.core.v1.LotKey"})
_STRING = FieldDescriptor.TYPE_STRING
_MESSAGE = FieldDescriptor.TYPE_MESSAGE


def check_request(message: Message) -> None:
    """Every text field and list in `message` (at any depth) within its bound; keys
    (unit, lot) complete. INVALID_ARGUMENT names the first field that is not."""
    if _all_fine((message,), _plan(message.DESCRIPTOR)):
        return
    for problem in _problems(message, ""):
        raise InvalidArgument(problem)


# --- the usual case: a whole request found fine column by column -----------------------
# Walking a request field by field costs tens of microseconds an item (an import call of
# 1,000 operation records took 85 ms). A request's fields are checked instead a column at
# a time: each field's values across all the items of a list, their longest length and
# one regex search over them joined. It only ever answers "fine"; anything it cannot vouch
# for goes to the walk above, which finds the first problem and names its path.


class _Plan:
    """What to check in messages of one type, worked out once from its descriptor."""

    __slots__ = ("checks", "key", "walk_only")

    def __init__(self) -> None:
        self.key = False  # a unit or lot key: every string field required
        self.walk_only = False  # a shape the column check does not vouch for
        self.checks: list[_Check] = []

    @property
    def empty(self) -> bool:
        return not (self.checks or self.walk_only)


@dataclass(frozen=True)
class _Check:
    name: str
    repeated: bool
    most: int  # items, for a repeated field
    text: TextLimit | None = None  # a string field's bound
    plan: _Plan | None = None  # a message field's own plan


_PLANS: dict[str, _Plan] = {}


def _plan(descriptor: Any) -> _Plan:
    found = _PLANS.get(descriptor.full_name)
    if found is not None:
        return found
    plan = _PLANS[descriptor.full_name] = _Plan()  # registered first: types may recurse
    if descriptor.full_name in _KEY_MESSAGES:
        plan.key = True
        plan.walk_only = not all(f.type == _STRING and not f.is_repeated for f in descriptor.fields)
    for field in descriptor.fields:
        most = list_limit(field.name)
        if field.type == _STRING:
            plan.checks.append(_Check(field.name, field.is_repeated, most, text_limit(field.name)))
        elif field.type == _MESSAGE and not _is_map(field):
            child = _plan(field.message_type)
            plan.checks.append(_Check(field.name, field.is_repeated, most, plan=child))
        elif field.is_repeated:
            plan.checks.append(_Check(field.name, True, most))
    return plan


def _all_fine(messages: Sequence[Message], plan: _Plan) -> bool:
    """Whether every message (all of one type) is certainly within its bounds."""
    if plan.walk_only:
        return False
    for check in plan.checks:
        name = check.name
        if check.plan is not None and check.plan.empty and not check.repeated:
            continue  # e.g. a timestamp: nothing in it has a bound
        if check.repeated:
            lists = [getattr(m, name) for m in messages]
            if max(map(len, lists), default=0) > check.most:
                return False
            values: list[Any] = [v for each in lists for v in each]
        elif check.plan is not None:
            values = [getattr(m, name) for m in messages if m.HasField(name)]
        else:
            values = [getattr(m, name) for m in messages]
            if plan.key and not all(values):
                return False
        if not values:
            continue
        if check.text is not None:
            if not _texts_fine(values, check.text):
                return False
        elif check.plan is not None and not _all_fine(values, check.plan):
            return False
    return True


def _texts_fine(values: list[str], limit: TextLimit) -> bool:
    if max(map(len, values)) > limit.max_length:
        return False
    if limit.json:
        return True
    joined = " ".join(values)  # a space is allowed in every kind of text
    if limit.allow:
        joined = joined.translate(dict.fromkeys(map(ord, limit.allow)))
    pattern = _FORBIDDEN_MULTILINE if limit.multiline else _FORBIDDEN_LINE
    return pattern.search(joined) is None


def _problems(message: Message, prefix: str) -> Iterator[str]:
    descriptor = message.DESCRIPTOR
    if descriptor.full_name in _KEY_MESSAGES:
        if _complete_key(message, descriptor):
            return
        for field in descriptor.fields:
            if field.type == _STRING and not getattr(message, field.name):
                yield f"{prefix}{field.name} is required and was empty"
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        repeated = field.is_repeated
        if repeated:
            most = list_limit(field.name)
            if len(value) > most:
                yield f"{path} holds {len(value):,} items; the limit is {most:,}; split it"
                return
        if field.type == _STRING:
            limit = text_limit(field.name)
            for i, text in enumerate(value if repeated else (value,)):
                problem = _text_problem(text, limit)
                if problem:
                    yield f"{path}[{i}] {problem}" if repeated else f"{path} {problem}"
                    return
        elif field.type == _MESSAGE and not _is_map(field):
            children = value if repeated else (value,)
            keys = field.message_type is not None and field.message_type.full_name in _KEY_MESSAGES
            for i, child in enumerate(children):
                if keys and _complete_key(child, field.message_type):
                    continue  # a recall's 30,000 unit keys: no path built, no generator
                child_prefix = f"{path}[{i}]." if repeated else f"{path}."
                yield from _problems(child, child_prefix)


def _complete_key(message: Message, descriptor: Any) -> bool:
    """Whether a unit or lot key has every field, each a string within its bound (the
    usual case, answered without building the paths an error message would name)."""
    for field in descriptor.fields:
        if field.type != _STRING or field.is_repeated:
            return False
        value = getattr(message, field.name)
        if not value or _text_problem(value, text_limit(field.name)) is not None:
            return False
    return True


def _is_map(field: FieldDescriptor) -> bool:
    entry = field.message_type
    return entry is not None and bool(entry.GetOptions().map_entry)


def _text_problem(value: str, limit: TextLimit) -> str | None:
    if len(value) > limit.max_length:
        return f"is {len(value):,} characters long; the limit is {limit.max_length:,} characters"
    if limit.json:
        return None
    problem = _forbidden(value, limit.multiline, limit.allow)
    return f"{problem}; remove it and send the request again" if problem else None


# --- values of other kinds --------------------------------------------------------------
def parse_enum(enum: type[E], value: str, what: str) -> E:
    """The enum member named `value`, or INVALID_ARGUMENT listing the allowed names."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidArgument(f"{what} is required: one of {allowed}") from None


def parse_json_object(text: str, what: str, max_bytes: int = 65_536) -> dict[str, Any]:
    """A JSON object given as text (empty means {}), or INVALID_ARGUMENT saying why not."""
    if len(text.encode()) > max_bytes:
        raise InvalidArgument(f"{what} are larger than {max_bytes} bytes")
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"{what} are not valid JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    return value


# The largest page a list RPC serves unless it says otherwise.
MAX_PAGE = 10_000


def page_size(requested: int, maximum: int = MAX_PAGE, default: int = 100) -> int:
    """The page size to use; outside 1..maximum is INVALID_ARGUMENT."""
    size = requested or default
    if not 1 <= size <= maximum:
        raise InvalidArgument(f"page_size must be 1 to {maximum}, got {size}")
    return size


def key_page_token(key: tuple[str, str]) -> str:
    """The page token for keyset paging by (sku, serial): the last key of the page."""
    return f"{key[0]}:{key[1]}"


def key_after(token: str) -> tuple[str, str] | None:
    """The (sku, serial) a page token continues after; SKUs never contain ':'."""
    if not token:
        return None
    sku, sep, serial = token.partition(":")
    if not sep:
        raise InvalidArgument("page_token is not one this service handed out")
    return sku, serial


# Items one batch read or write may name (each service's batch RPCs).
MAX_BATCH = 10_000


def check_batch(size: int, what: str, most: int = MAX_BATCH) -> None:
    """INVALID_ARGUMENT when one call names more than `most` items."""
    if size > most:
        raise InvalidArgument(f"at most {most} {what} per call, got {size}")


class Result(StrEnum):
    """Pass/fail outcome of an operation record or an inspection (core.v1.Result)."""

    PASS = "PASS"  # noqa: S105 - a test result, not a password
    FAIL = "FAIL"


# Measurements of one operation record or inspection, as JSON text.
MAX_MEASUREMENTS_BYTES = 65_536


def parse_measurements(text: str) -> dict[str, Any]:
    return parse_json_object(text, "measurements", MAX_MEASUREMENTS_BYTES)
