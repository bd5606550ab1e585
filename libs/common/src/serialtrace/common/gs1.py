"""GS1 codes: check digits, GTIN, GLN and SSCC, element strings, Digital Link URIs, and
what a handheld scanner read.

Used by warehouse (SSCCs on packages), masterdata (GTINs on products, GLNs on
locations) and the gateway's `scan` operation. Every bad input raises Gs1Error with a
message that says exactly what is wrong; nothing else escapes (no bare ValueError from
int(), no UnicodeDecodeError from percent-decoding).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from urllib.parse import quote, unquote

from biip import ParseError
from biip.gs1_element_strings import GS1ElementString
from biip.symbology import GS1Symbology

from serialtrace.common.gs1_syntax import (
    AI_TABLE,
    AiSpec,
    Gs1Error,
    ai_at,
    check_value,
)
from serialtrace.common.gs1_syntax import check_associations as _check_associations

__all__ = [
    "Gs1Error",
    "ScanCode",
    "ScanCodeKind",
    "ai_title",
    "expiry_date",
    "format_element_string",
    "format_raw_element_string",
    "gs1_check_digit",
    "has_valid_check_digit",
    "make_sscc",
    "normalize_gtin",
    "parse_digital_link",
    "parse_element_string",
    "parse_scan",
    "read_scan",
    "validate_gln",
    "validate_sscc",
]


# ASCII digits only: str.isdigit() also accepts e.g. "²" and Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]+")


def _show(value: str, limit: int = 40) -> str:
    """repr() of a value, shortened so a huge scan cannot flood a log line or an error."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


# --- check digits and the primary keys ------------------------------------------------


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for `body` (the code without its check digit).

    Digits are weighted 3, 1, 3, 1, ... starting from the rightmost digit of the body.
    Raises Gs1Error unless `body` is one or more ASCII digits.
    """
    if not _DIGITS.fullmatch(body):
        raise Gs1Error(f"a check digit needs a body of digits only, got {_show(body)}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    """Whether `code` is at least two ASCII digits and its last digit is the GS1 check
    digit of the rest. Never raises."""
    return (
        len(code) >= 2
        and _DIGITS.fullmatch(code) is not None
        and gs1_check_digit(code[:-1]) == int(code[-1])
    )


def _checked(value: str, name: str, lengths: tuple[int, ...]) -> str:
    # Surrounding whitespace is what form fields and wedge scanners add; it is never data.
    code = value.strip()
    if not _DIGITS.fullmatch(code):
        raise Gs1Error(f"{name} must be digits only, got {_show(code)}")
    if len(code) not in lengths:
        allowed = ", ".join(str(n) for n in lengths[:-1])
        allowed = f"{allowed} or {lengths[-1]}" if allowed else str(lengths[-1])
        raise Gs1Error(f"{name} must be {allowed} digits, got {len(code)}")
    expected = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise Gs1Error(f"{name} {code} has check digit {code[-1]}, expected {expected}")
    return code


def normalize_gtin(value: str) -> str:
    """A GTIN-8, -12 (UPC-A), -13 (EAN-13) or -14 with a valid check digit, returned as
    14 digits (left-padded with zeros, which keeps the check digit valid).

    Raises Gs1Error for anything else.
    """
    return _checked(value, "GTIN", (8, 12, 13, 14)).zfill(14)


def validate_gln(value: str) -> str:
    """A 13-digit GLN (Global Location Number) with a valid check digit, returned as is.

    Raises Gs1Error for anything else.
    """
    return _checked(value, "GLN", (13,))


def validate_sscc(value: str) -> str:
    """An 18-digit SSCC with a valid check digit, returned as is.

    Strict: an "(00)" or "00" AI prefix is not accepted here (see parse_element_string).
    Raises Gs1Error for anything else.
    """
    return _checked(value, "SSCC", (18,))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def make_sscc(company_prefix: str, serial_reference: int, extension_digit: int = 0) -> str:
    """A new 18-digit SSCC: extension digit + GS1 company prefix (7-10 digits) + serial
    reference zero-padded so these make 17 digits + check digit.

    Raises Gs1Error when the prefix is not 7-10 digits, the extension digit is not 0-9,
    or the serial reference is negative or does not fit in the digits left over.
    """
    if not (_DIGITS.fullmatch(company_prefix) and 7 <= len(company_prefix) <= 10):
        raise Gs1Error(f"GS1 company prefix must be 7 to 10 digits, got {_show(company_prefix)}")
    # bool is an int subclass; True as an extension digit is a caller bug, not a 1.
    if not _is_int(extension_digit) or not 0 <= extension_digit <= 9:
        raise Gs1Error(f"SSCC extension digit must be 0-9, got {extension_digit!r}")
    room = 16 - len(company_prefix)
    if not _is_int(serial_reference) or not 0 <= serial_reference < 10**room:
        raise Gs1Error(
            f"serial reference {serial_reference!r} does not fit in the {room} digits left "
            f"after company prefix {company_prefix} (0 to {10**room - 1})"
        )
    body = f"{extension_digit}{company_prefix}{serial_reference:0{room}d}"
    return body + str(gs1_check_digit(body))


# --- the application identifiers ------------------------------------------------------
# The whole AI table (titles, formats, content checks, required and excluded
# companions, Digital Link roles) comes from GS1's Barcode Syntax Dictionary; see
# serialtrace.common.gs1_syntax.

_GS = "\x1d"  # ASCII group separator: what FNC1 between fields is transmitted as
_GS_TEXT_FORMS = ("<GS>", "{GS}")  # what keyboard-wedge scanners type instead of GS


def ai_title(ai: str) -> str:
    """GS1's data title of an AI, e.g. "BATCH/LOT" for (10); raises Gs1Error for an AI
    that GS1 does not define."""
    return _spec(ai).title


def expiry_date(ais: dict[str, str]) -> date | None:
    """The expiry date (17) as a date, if the AIs carry one: GS1's sliding century for
    YY, and day 00 as the last day of the month (biip reads it)."""
    value = ais.get("17")
    if value is None:
        return None
    return _expiry_date(value, datetime.now(tz=UTC).year)


# Distinct expiry values remembered (a plant's labels carry a few per lot in stock).
EXPIRY_DATES_CACHED = 1024


@functools.lru_cache(maxsize=EXPIRY_DATES_CACHED)
def _expiry_date(value: str, current_year: int) -> date | None:
    """biip's reading of (17) `value`, once per value and year: a full element-string
    parse was 4% of the gateway's CPU per scan. The year is part of the key because the
    sliding century counts from it; a value that is no date raises, and is not kept."""
    try:
        parsed = GS1ElementString.parse("17" + value).date
    except ParseError as error:
        raise Gs1Error(f"AI (17) {value!r} is not a date: {error}") from None
    return parsed


def _spec(ai: str) -> AiSpec:
    spec = AI_TABLE.get(ai)
    if spec is None:
        raise Gs1Error(f"unknown application identifier ({_show(ai, 10)[1:-1]})")
    return spec


def _add(ais: dict[str, str], ai: str, value: str) -> None:
    spec = _spec(ai)
    if ai in ais:
        # Two reads of one label joined, or the same AI on two carriers of one item:
        # the same value again is one element; a different one is a contradiction.
        if ais[ai] != value:
            raise Gs1Error(
                f"AI ({ai}) {spec.title} appears twice with different values: "
                f"{_show(ais[ai])} and {_show(value)}"
            )
        return
    check_value(spec, value)
    ais[ai] = value


def _finish(ais: dict[str, str], check_associations: bool) -> dict[str, str]:
    if not ais:
        raise Gs1Error("the element string holds no application identifiers")
    if check_associations:
        _check_associations(ais)
    return ais


# --- element strings ------------------------------------------------------------------


def _parse_bracketed(text: str) -> dict[str, str]:
    # "(" always opens an AI; a "(" that is data is written "\(" (as GS1's Syntax
    # Engine writes it), since "(10)A(21)B" could otherwise mean either.
    ais: dict[str, str] = {}
    at = 0
    while at < len(text):
        if text[at] != "(":
            raise Gs1Error(f"expected an AI in brackets such as (01) at {_show(text[at:])}")
        close = text.find(")", at)
        if close < 0:
            raise Gs1Error(f"the AI bracket in {_show(text[at:])} is never closed")
        ai = text[at + 1 : close]
        value: list[str] = []
        at = close + 1
        while at < len(text) and text[at] != "(":
            if text.startswith("\\(", at):
                value.append("(")
                at += 2
            else:
                value.append(text[at])
                at += 1
        _add(ais, ai, "".join(value))
    return ais


def _parse_raw(raw: str) -> dict[str, str]:
    ais: dict[str, str] = {}
    at = 1 if raw.startswith(_GS) else 0  # a leading FNC1 is the GS1 flag, not a field end
    while at < len(raw):
        spec = ai_at(raw, at)
        if spec is None:
            raise Gs1Error(
                f"no known application identifier starts at position {at}: "
                f"{_show(raw[at : at + 8])}"
            )
        start = at + len(spec.ai)
        separator = raw.find(_GS, start)
        field_end = len(raw) if separator < 0 else separator
        if spec.predefined_length:
            end = start + spec.max_length
            if end > field_end:
                raise Gs1Error(
                    f"AI ({spec.ai}) {spec.title} expects {spec.max_length} characters, "
                    f"got {field_end - start}: {_show(raw[start:field_end])}"
                )
        else:
            end = field_end
        _add(ais, spec.ai, raw[start:end])
        at = end
        if raw.startswith(_GS, at):
            at += 1
            if raw.startswith(_GS, at):
                raise Gs1Error(f"two separators in a row at position {at - 1}")
    return ais


def parse_element_string(text: str, *, check_associations: bool = True) -> dict[str, str]:
    """AI -> value from a GS1 element string, validated against GS1's Syntax Dictionary.

    Reads the bracketed human-readable form "(01)09506000134352(21)SN123" and the raw
    form a scanner transmits: "0109506000134352" "21SN123" "\\x1d" "10LOT1", optionally
    behind a symbology identifier that carries GS1 element strings (]C1, ]e0, ]d2, ]Q3,
    ]J1). The GS separator (ASCII 29) may also appear as the text "<GS>" or "{GS}".
    Predefined-length AIs (00, 01, 11-17, 31xx ...) need no separator after them; all
    others end at a separator or at the end of the input.

    The same AI twice with the same value counts once (two reads of one label joined);
    with different values it is an error. With check_associations (the default), the
    AIs must also satisfy GS1's mandatory associations and invalid pairs, e.g. (21)
    needs (01) and (01) must not be paired with (02).

    Raises Gs1Error on empty input, unknown AIs, wrong lengths, characters outside what
    the AI allows (a trailing space is one), impossible dates, wrong check digits and
    broken association rules.
    """
    if not text:
        raise Gs1Error("the element string is empty")
    symbology = _symbology(text)
    if symbology:
        if symbology not in _ELEMENT_STRING_SYMBOLOGIES:
            raise Gs1Error(f"symbology identifier {symbology} does not carry GS1 element strings")
        text = text[3:]
        if not text:
            raise Gs1Error(f"the element string after {symbology} is empty")
        ais = _parse_raw(_with_gs(text))
    elif text.startswith("("):
        ais = _parse_bracketed(text)
    else:
        ais = _parse_raw(_with_gs(text))
    return _finish(ais, check_associations)


def _with_gs(text: str) -> str:
    for form in _GS_TEXT_FORMS:
        text = text.replace(form, _GS)
    return text


def format_element_string(ais: dict[str, str]) -> str:
    """The bracketed human-readable form, e.g. "(01)09506000134352(10)LOT42(21)SN123".

    Order is stable: SSCC (00), GTIN (01) and content GTIN (02) first, then every other
    AI in ascending order. Values are validated as parse_element_string would, so
    Gs1Error is raised for anything that could not be read back.
    """
    if not ais:
        raise Gs1Error("there are no application identifiers to format")
    checked: dict[str, str] = {}
    for ai, value in ais.items():
        _add(checked, ai, value)
    _check_associations(checked)
    order = sorted(checked, key=lambda ai: (ai not in ("00", "01", "02"), ai))
    return "".join(f"({ai}){checked[ai].replace('(', chr(92) + '(')}" for ai in order)


# Where a Digital Link printed by us points: GS1's own resolver, which every GS1
# Digital Link reader knows (a company may print its own domain instead).
DIGITAL_LINK_RESOLVER = "https://id.gs1.org"


def format_digital_link(ais: dict[str, str], resolver: str = DIGITAL_LINK_RESOLVER) -> str:
    """The GS1 Digital Link URI of these AIs, e.g.
    "https://id.gs1.org/01/09506000134352/10/LOT42/21/SN123?17=261231": the primary key
    and its key qualifiers in the path, in GS1's order, every other AI as a data
    attribute in the query string. Validated as format_element_string validates, and
    read back by parse_digital_link to the same AIs."""
    checked = parse_element_string(format_element_string(ais))
    key = next((ai for ai in checked if AI_TABLE[ai].dl_primary_key), None)
    if key is None:
        raise Gs1Error("a Digital Link needs a primary key such as (01) or (00)")
    sequences = AI_TABLE[key].dl_qualifiers or ((),)
    qualifying = {q for sequence in sequences for q in sequence}
    given = [ai for ai in checked if ai in qualifying]
    sequence = next((s for s in sequences if set(given) <= set(s)), None)
    if sequence is None:
        raise Gs1Error(f"({') and ('.join(given)}) cannot qualify ({key}) together")
    path = [key, *(q for q in sequence if q in given)]
    attributes = [ai for ai in checked if ai not in path]
    uri = resolver.rstrip("/") + "".join(f"/{ai}/{quote(checked[ai], safe='')}" for ai in path)
    if attributes:
        uri += "?" + "&".join(f"{ai}={quote(checked[ai], safe='')}" for ai in attributes)
    return uri


def format_raw_element_string(ais: dict[str, str]) -> str:
    """The element string as a barcode carries it after its leading FNC1: AIs in the
    order of format_element_string, a GS (ASCII 29) after every value that does not
    have a predefined length, except the last."""
    order = sorted(ais, key=lambda ai: (ai not in ("00", "01", "02"), ai))
    parts = []
    for i, ai in enumerate(order):
        parts.append(ai + ais[ai])
        if i < len(order) - 1 and not _spec(ai).predefined_length:
            parts.append(_GS)
    return "".join(parts)


# --- GS1 Digital Link -----------------------------------------------------------------

# Short names from GS1 Digital Link 1.0/1.1, still printed on labels in the field.
_DIGITAL_LINK_ALPHA = {
    "gtin": "01",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
    "sscc": "00",
    "gln": "414",
    "glnx": "254",
    "party": "417",
    "grai": "8003",
    "giai": "8004",
    "gsrn": "8018",
    "gsrnp": "8017",
    "srin": "8019",
    "gdti": "253",
    "ginc": "401",
    "gsin": "402",
    "itip": "8006",
    "cpid": "8010",
    "cpsn": "8011",
    "gcn": "255",
    "gmn": "8013",
}
_SCHEMES = ("https://", "http://", "HTTPS://", "HTTP://")
# RFC 3986: unreserved, reserved and "%" of a percent-encoding.
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_DOMAIN = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]*)?|\[[0-9A-Fa-f:.]+\](:[0-9]*)?")
_BASE64URL = re.compile(r"[A-Za-z0-9_\-]+")


def _decode(part: str, what: str) -> str:
    try:
        value = unquote(part, errors="strict")
    except UnicodeDecodeError:
        raise Gs1Error(f"{what} {_show(part)} is not valid percent-encoded UTF-8") from None
    if "\x00" in value:
        raise Gs1Error(f"{what} {_show(part)} decodes to a NUL character")
    return value


def _find_primary_key(segments: list[str]) -> int | None:
    # The GS1 part ends the path as AI/value pairs; walk it from the right so that a
    # prefix path (which may contain anything) is never mistaken for it.
    for i in range(len(segments) - 2, -1, -2):
        ai = _DIGITAL_LINK_ALPHA.get(segments[i], segments[i])
        spec = AI_TABLE.get(ai)
        if spec is None:
            return None
        if spec.dl_primary_key:
            return i
    return None


def _is_qualifier_sequence_of(sequence: tuple[str, ...], qualifiers: list[str]) -> bool:
    it = iter(sequence)
    return all(q in it for q in qualifiers)  # an ordered subsequence


def _is_qualifier_sequence(key: AiSpec, qualifiers: list[str]) -> bool:
    return any(_is_qualifier_sequence_of(s, qualifiers) for s in key.dl_qualifiers or ((),))


def parse_digital_link(uri: str, *, check_associations: bool = True) -> dict[str, str]:
    """AI -> value from a GS1 Digital Link URI, validated.

    Any http(s) host and any path prefix before the GS1 part is accepted, e.g.
    https://id.gs1.org/01/09506000134352/21/SN123 or
    https://example.com/some/prefix/01/09506000134352/10/L7?17=261231. The path holds a
    primary key (00, 01, 253, 414, 8003, 8004 ...) and its key qualifiers in GS1's order
    (for 01: 22, 10, 21, or 235); the query string holds data attributes (17, 3103,
    3922 ...). Values are percent-decoded. For labels printed under Digital Link 1.1,
    short names (/gtin/, /lot/, /ser/ ...) and GTIN-8, -12 and -13 are read too (a GTIN
    comes back as 14 digits). A compressed Digital Link is decompressed first. Query
    keys that are not numbers (linkType, utm_...) are ignored.

    Raises Gs1Error for a URI that is not http(s), has characters a URI cannot hold,
    no primary key, an empty path segment or query value, a qualifier in the query
    string, an attribute in the path, a repeated AI, and for every value or
    combination an element string would reject.
    """
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise Gs1Error(f"a GS1 Digital Link must start with http:// or https://, got {_show(uri)}")
    if not _URI_CHARACTERS.fullmatch(uri):
        bad = next(ch for ch in uri if not _URI_CHARACTERS.fullmatch(ch))
        raise Gs1Error(f"the URI contains {bad!r}, which a URI cannot hold unencoded")
    rest = uri[len(scheme) :].partition("#")[0]
    rest, _, query = rest.partition("?")
    domain, slash, path = rest.partition("/")
    if not domain or not slash:
        raise Gs1Error(f"the URI needs a host and a path: {_show(uri)}")
    if not _DOMAIN.fullmatch(domain):
        raise Gs1Error(f"the URI's host {_show(domain)} is not a domain name or address")
    segments = path.split("/")
    start = _find_primary_key(segments)
    if start is None:
        expanded = _decompressed(uri, segments)
        if expanded is not None:
            return parse_digital_link(expanded, check_associations=check_associations)
        raise Gs1Error(
            "the URI path has no GS1 primary key such as /01/<GTIN>, /00/<SSCC> or "
            f"/414/<GLN>: {_show('/' + path)}"
        )
    key = AI_TABLE[_DIGITAL_LINK_ALPHA.get(segments[start], segments[start])]
    ais: dict[str, str] = {}
    qualifiers: list[str] = []
    for i in range(start, len(segments), 2):
        ai = _DIGITAL_LINK_ALPHA.get(segments[i], segments[i])
        value = _decode(segments[i + 1], f"the path value of AI ({ai})")
        if not value:
            raise Gs1Error(f"AI ({ai}) has an empty value in the URI path")
        if i > start:
            qualifiers.append(ai)
        if ai == "01" and _DIGITS.fullmatch(value) and len(value) in (8, 12, 13):
            value = normalize_gtin(value)
        if ai in ais:
            raise Gs1Error(f"AI ({ai}) appears more than once in the URI path")
        _add(ais, ai, value)
    if not _is_qualifier_sequence(key, qualifiers):
        allowed = " or ".join("/".join(s) for s in key.dl_qualifiers) or "none"
        raise Gs1Error(
            f"the path {_show('/' + '/'.join(segments[start:]))} is not a valid key and "
            f"qualifiers for ({key.ai}) {key.title}; qualifiers allowed in this order: "
            f"{allowed}"
        )
    # A qualifier of the key belongs in the path, never in the query string; with
    # /01/…/235/… (the alternative to 22, 10, 21) a (10) is an ordinary attribute.
    path_qualifiers = {
        q for s in key.dl_qualifiers if _is_qualifier_sequence_of(s, qualifiers) for q in s
    }
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, raw_value = pair.partition("=")
        if not _DIGITS.fullmatch(name):
            continue  # linkType, context, utm_... are for the resolver, not data
        spec = AI_TABLE.get(name)
        if spec is None:
            raise Gs1Error(f"unknown application identifier ({name[:10]}) in the query string")
        if name in path_qualifiers:
            raise Gs1Error(
                f"AI ({name}) {spec.title} qualifies ({key.ai}) and belongs in the path: "
                f".../{key.ai}/<value>/{name}/<value>, not ?{name}=..."
            )
        if not spec.dl_attribute:
            raise Gs1Error(f"AI ({name}) {spec.title} is not a Digital Link data attribute")
        # In a query string "+" is a space (HTML form encoding); a "+" in a value is
        # written %2B.
        value = _decode(raw_value.replace("+", " "), f"the query value of AI ({name})")
        if not value:
            raise Gs1Error(f"AI ({name}) {spec.title} has an empty value in the query string")
        if name in ais:
            raise Gs1Error(f"AI ({name}) {spec.title} appears more than once in the URI")
        _add(ais, name, value)
    return _finish(ais, check_associations)


def _decompressed(uri: str, segments: list[str]) -> str | None:
    """The uncompressed form of a compressed GS1 Digital Link, or None when the last
    path segment is not one."""
    last = segments[-1] if segments else ""
    if len(last) < 8 or not _BASE64URL.fullmatch(last):
        return None
    from gs1 import decompress_gs1_digital_link  # type: ignore[import-untyped]

    # gs1-compression logs a stack trace (to a logger it names "__name__") for every
    # input it cannot read; a URI that simply is not compressed is not worth one.
    logging.getLogger("__name__").setLevel(logging.CRITICAL)
    try:
        expanded = decompress_gs1_digital_link(uri.partition("?")[0], False)
    except Exception:  # any failure means "not a compressed Digital Link"
        return None
    return expanded if isinstance(expanded, str) and expanded != uri else None


# --- what a scanner read --------------------------------------------------------------

_SYMBOLOGY_ID = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# biip knows these symbologies except GS1 DotCode (]J1), which it does not list.
_ELEMENT_STRING_SYMBOLOGIES = frozenset(
    {f"]{s.value}" for s in GS1Symbology.with_gs1_messages()} | {"]J1"}
)
_GTIN_SYMBOLOGIES = {f"]{s.value}": s for s in GS1Symbology.with_gtin()}
_GTIN_LENGTHS = {"E0": 13, "E4": 8, "I1": 14}


def _symbology(text: str) -> str | None:
    match = _SYMBOLOGY_ID.match(text)
    return match.group() if match else None


class ScanCodeKind(Enum):
    """What a scanned code names."""

    UNIT = "UNIT"  # GTIN + serial
    LOT = "LOT"  # GTIN + batch/lot
    PACKAGE = "PACKAGE"  # SSCC
    PRODUCT = "PRODUCT"  # GTIN alone
    ALIAS = "ALIAS"  # not GS1: a MAC, IMEI, customer tag ... to look up as an alias


@dataclass(frozen=True, kw_only=True)
class ScanCode:
    """A parsed scan. For ALIAS only `raw` is set; `ais` holds every AI that was read."""

    kind: ScanCodeKind
    gtin: str | None = None  # always 14 digits
    serial: str | None = None
    lot: str | None = None
    sscc: str | None = None
    # A dict is unhashable; leaving it out of the hash keeps ScanCode hashable.
    ais: dict[str, str] = field(default_factory=dict, hash=False)
    # The scan without surrounding line breaks (and without a symbology identifier that
    # carries no GS1 data), i.e. the value to look up for an ALIAS.
    raw: str


# Raw element strings that start with a complete SSCC or GTIN: clearly meant as GS1.
_RAW_PRIMARY_KEY = re.compile(r"(00[0-9]{18}|0[123][0-9]{14})")


def _looks_like_element_string(text: str) -> bool:
    return (
        text.startswith("(")
        or _GS in text
        or any(form in text for form in _GS_TEXT_FORMS)
        or _RAW_PRIMARY_KEY.match(text) is not None
    )


def _try_element_string(text: str) -> dict[str, str] | None:
    # A long code that starts with digits but not with a whole SSCC or GTIN (e.g. a date
    # first) is GS1 only if it reads cleanly and names something; otherwise it is some
    # serial or number that happens to start with digits, i.e. an alias.
    try:
        ais = parse_element_string(text)
    except Gs1Error:
        return None
    return ais if ("00" in ais or "01" in ais) else None


def _gtin_scan(symbology: str, data: str) -> dict[str, str]:
    size = _GTIN_LENGTHS[symbology[1:]]
    name = _GTIN_SYMBOLOGIES[symbology].name.replace("_", "-")
    if not _DIGITS.fullmatch(data):
        raise Gs1Error(f"a {name} scan ({symbology}) must be digits only, got {_show(data)}")
    if len(data) != size:
        raise Gs1Error(f"a {name} scan ({symbology}) must be {size} digits, got {len(data)}")
    return {"01": normalize_gtin(data)}


def read_scan(code: str, *, check_associations: bool = True) -> dict[str, str] | None:
    """AI -> value for what a handheld scanner transmitted, or None for data that is
    not GS1 (a plain barcode: an alias, a MAC address ...).

    Reads, with or without a symbology identifier in front: GS1 element strings behind
    ]C1 (GS1-128), ]e0 (GS1 DataBar), ]d2 (GS1 DataMatrix), ]Q3 (GS1 QR Code) and ]J1
    (GS1 DotCode); a GTIN behind ]E0 (EAN-13/UPC-A), ]E4 (EAN-8) and ]I1 (ITF-14); a
    GS1 Digital Link URI behind any other identifier (]Q1, ]d1, ]J0 ...) or none;
    without an identifier also the bracketed form, a bare 18-digit SSCC and a raw
    element string that starts with a complete SSCC or GTIN (or holds a separator).
    The symbology identifier is stripped. Line breaks around the scan (what a wedge
    scanner appends) are ignored; spaces are data.

    Raises Gs1Error for data that is meant as GS1 but breaks its rules.
    """
    text = code.strip("\r\n")
    if not text:
        raise Gs1Error("the scan is empty")
    symbology = _symbology(text)
    if symbology:
        data = text[3:]
        if symbology in _ELEMENT_STRING_SYMBOLOGIES:
            if not data:
                raise Gs1Error(f"the scan holds only the symbology identifier {symbology}")
            return _finish(_parse_raw(_with_gs(data)), check_associations)
        if symbology in _GTIN_SYMBOLOGIES:
            return _gtin_scan(symbology, data)
        # A plain symbology (]Q1 QR Code, ]d1 Data Matrix, ]C0 Code 128 ...): its data is
        # a Digital Link or not GS1 at all.
        if data.startswith(_SCHEMES):
            return parse_digital_link(data, check_associations=check_associations)
        return None
    if text.startswith(_SCHEMES):
        return parse_digital_link(text, check_associations=check_associations)
    if len(text) == 18 and _DIGITS.fullmatch(text):
        return {"00": validate_sscc(text)}
    if _looks_like_element_string(text):
        return parse_element_string(text, check_associations=check_associations)
    if len(text) >= 16 and _DIGITS.fullmatch(text[:2]):
        return _try_element_string(text)
    return None


def parse_scan(code: str) -> ScanCode:
    """Classify and parse what a handheld scanner read (see read_scan for the forms).

    Kind: SSCC (00) -> PACKAGE; GTIN (01) with serial (21) -> UNIT, with lot (10) ->
    LOT, alone -> PRODUCT; data that is not GS1 (a MAC address, an IMEI, "SN-123") ->
    ALIAS with only `raw` set. A scan that is clearly meant as GS1 but is malformed
    (bad check digit, bad date, unknown AI, broken association) raises Gs1Error rather
    than becoming an ALIAS, and so does GS1 that names none of these (e.g. a GLN).
    """
    raw = code.strip("\r\n")
    ais = read_scan(raw)
    symbology = _symbology(raw)
    if symbology and symbology not in _ELEMENT_STRING_SYMBOLOGIES | set(_GTIN_SYMBOLOGIES):
        # e.g. ]Q1 (plain QR) or ]C0 (plain Code 128): the data after it is what counts.
        raw = raw[3:]
        if not raw:
            raise Gs1Error(f"the scan holds only the symbology identifier {symbology}")
    if ais is None:
        return ScanCode(kind=ScanCodeKind.ALIAS, raw=raw)
    gtin = ais.get("01")
    if "00" in ais:
        kind = ScanCodeKind.PACKAGE
    elif gtin and "21" in ais:
        kind = ScanCodeKind.UNIT
    elif gtin and "10" in ais:
        kind = ScanCodeKind.LOT
    elif gtin:
        kind = ScanCodeKind.PRODUCT
    else:
        found = ", ".join(f"({ai})" for ai in ais)
        raise Gs1Error(
            f"the code holds {found} but no SSCC (00) or GTIN (01), so it names no "
            "unit, lot, package or product"
        )
    return ScanCode(
        kind=kind,
        gtin=gtin,
        serial=ais.get("21"),
        lot=ais.get("10"),
        sscc=ais.get("00"),
        ais=ais,
        raw=raw,
    )
