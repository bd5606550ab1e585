"""GS1 codes: check digits, GTIN, GLN and SSCC, element strings, Digital Link URIs, and
what a handheld scanner read.

Used by warehouse (SSCCs on packages), masterdata (GTINs on products, GLNs on
locations) and the gateway's `scan` operation. Every bad input raises Gs1Error with a
message that says exactly what is wrong; nothing else escapes (no bare ValueError from
int(), no UnicodeDecodeError from percent-decoding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import unquote, urlsplit

__all__ = [
    "Gs1Error",
    "ScanCode",
    "ScanCodeKind",
    "format_element_string",
    "gs1_check_digit",
    "has_valid_check_digit",
    "make_sscc",
    "normalize_gtin",
    "parse_digital_link",
    "parse_element_string",
    "parse_scan",
    "validate_gln",
    "validate_sscc",
]


class Gs1Error(ValueError):
    """A GS1 code or value that is malformed; the message says what is wrong."""


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


# --- the application identifiers this codec reads -------------------------------------


@dataclass(frozen=True)
class _Ai:
    title: str
    numeric: bool
    length: int  # the exact length when fixed, else the maximum
    fixed: bool
    check_digit: bool = False
    date: str = ""  # "", "YYMMDD" or "YYMMDDHHMM"


def _gln(title: str) -> _Ai:
    return _Ai(title, True, 13, True, check_digit=True)


def _date(title: str) -> _Ai:
    return _Ai(title, True, 6, True, date="YYMMDD")


_AIS: dict[str, _Ai] = {
    "00": _Ai("SSCC", True, 18, True, check_digit=True),
    "01": _Ai("GTIN", True, 14, True, check_digit=True),
    "02": _Ai("GTIN of contained items", True, 14, True, check_digit=True),
    "10": _Ai("batch/lot", False, 20, False),
    "11": _date("production date"),
    "12": _date("due date"),
    "13": _date("packaging date"),
    "15": _date("best before date"),
    "16": _date("sell by date"),
    "17": _date("expiry date"),
    "20": _Ai("variant", True, 2, True),
    "21": _Ai("serial number", False, 20, False),
    "240": _Ai("additional product id", False, 30, False),
    "241": _Ai("customer part number", False, 30, False),
    "250": _Ai("secondary serial number", False, 30, False),
    "30": _Ai("variable count", True, 8, False),
    "37": _Ai("count of trade items", True, 8, False),
    "400": _Ai("customer purchase order number", False, 30, False),
    "410": _gln("ship to GLN"),
    "411": _gln("bill to GLN"),
    "412": _gln("purchased from GLN"),
    "413": _gln("ship for GLN"),
    "414": _gln("location GLN"),
    "415": _gln("invoicing party GLN"),
    "416": _gln("production or service location GLN"),
    "417": _gln("party GLN"),
    "7003": _Ai("expiry date and time", True, 10, True, date="YYMMDDHHMM"),
}

# How long an AI is follows from its first two digits (GS1 General Specifications);
# everything not listed here is two digits long.
_THREE_DIGIT_AI_PREFIXES = frozenset(["23", "24", "25", "40", "41", "42", "71"])
_FOUR_DIGIT_AI_PREFIXES = frozenset(
    ["31", "32", "33", "34", "35", "36", "39", "43", "70", "72", "80", "81", "82"]
)

# Only AIs starting with these two digits are "predefined length" and may be followed by
# the next AI without a separator. Other fixed-length AIs (7003) still need one.
_PREDEFINED_LENGTH_PREFIXES = frozenset(
    {"00", "01", "02", "03", "04", "20", "41"}
    | {str(n) for n in range(11, 20)}
    | {str(n) for n in range(31, 37)}
)

# GS1 AI encodable character set 82.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_CSET82_TEXT = "A-Z a-z 0-9 ! \" % & ' ( ) * + , - . / : ; < = > ? _"

_GS = "\x1d"  # ASCII group separator: what FNC1 between fields is transmitted as
_GS_TEXT_FORMS = ("<GS>", "{GS}")  # what keyboard-wedge scanners type instead of GS
_SYMBOLOGY_ID = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# Symbology identifiers whose data is a GS1 element string (GS1-128, GS1 DataBar,
# GS1 DataMatrix, GS1 QR Code, GS1 DotCode).
_ELEMENT_STRING_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
# EAN-13 / UPC-A and EAN-8 carry just a GTIN, without an AI.
_GTIN_SYMBOLOGIES = {"]E0": 13, "]E4": 8}

_BRACKETED_AI = re.compile(r"\((\d{2,4})\)")
_LEADING_BRACKETS = re.compile(r"\(([^()]{0,10})\)")


def _ai_length(prefix: str) -> int:
    if prefix in _THREE_DIGIT_AI_PREFIXES:
        return 3
    return 4 if prefix in _FOUR_DIGIT_AI_PREFIXES else 2


def _days_in_month(yy: int, month: int) -> int:
    if month == 2:
        # GS1's century rule currently puts every YY in 1951-2050, so YY % 4 == 0 is
        # exactly the leap years (2000 was one).
        return 29 if yy % 4 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _check_date(ai: str, value: str, pattern: str) -> None:
    yy, month, day = int(value[0:2]), int(value[2:4]), int(value[4:6])
    if not 1 <= month <= 12:
        raise Gs1Error(
            f"AI ({ai}) expects a date {pattern}, got {value!r}: month {value[2:4]} is not 01-12"
        )
    last = _days_in_month(yy, month)
    # Day 00 means "end of the month" for the YYMMDD AIs, but not for a date-time.
    first = 0 if pattern == "YYMMDD" else 1
    if not first <= day <= last:
        raise Gs1Error(
            f"AI ({ai}) expects a date {pattern}, got {value!r}: "
            f"day {value[4:6]} is not {first:02d}-{last:02d} for month {value[2:4]}"
        )
    if pattern == "YYMMDDHHMM" and (int(value[6:8]) > 23 or int(value[8:10]) > 59):
        raise Gs1Error(
            f"AI ({ai}) expects a date and time {pattern}, got {value!r}: "
            f"{value[6:8]}:{value[8:10]} is not a time of day"
        )


def _check_value(ai: str, value: str) -> str:
    spec = _AIS[ai]
    if not value:
        raise Gs1Error(f"AI ({ai}) {spec.title} has no value")
    unit = "digits" if spec.numeric else "characters"
    if spec.numeric and not _DIGITS.fullmatch(value):
        raise Gs1Error(f"AI ({ai}) {spec.title} must be digits only, got {_show(value)}")
    if spec.fixed and len(value) != spec.length:
        pattern = f" {spec.date}" if spec.date else ""
        raise Gs1Error(f"AI ({ai}) expects {spec.length} {unit}{pattern}, got {_show(value)}")
    if not spec.fixed and len(value) > spec.length:
        raise Gs1Error(
            f"AI ({ai}) {spec.title} allows at most {spec.length} {unit}, got {len(value)}"
        )
    if not spec.numeric and not _CSET82.fullmatch(value):
        bad = next(ch for ch in value if not _CSET82.fullmatch(ch))
        raise Gs1Error(
            f"AI ({ai}) {spec.title} contains {bad!r}, which is outside the GS1 character "
            f"set 82 ({_CSET82_TEXT})"
        )
    if spec.date:
        _check_date(ai, value, spec.date)
    if spec.check_digit:
        expected = gs1_check_digit(value[:-1])
        if int(value[-1]) != expected:
            raise Gs1Error(
                f"AI ({ai}) {spec.title} {value} has check digit {value[-1]}, expected {expected}"
            )
    return value


def _add(ais: dict[str, str], ai: str, value: str) -> None:
    if ai not in _AIS:
        raise Gs1Error(f"unknown application identifier ({ai})")
    if ai in ais:
        raise Gs1Error(f"AI ({ai}) appears more than once")
    ais[ai] = _check_value(ai, value)


# --- element strings ------------------------------------------------------------------


def _parse_bracketed(text: str) -> dict[str, str]:
    first = _BRACKETED_AI.match(text)
    if first is None:
        leading = _LEADING_BRACKETS.match(text)
        if leading is None:
            raise Gs1Error(f"expected an AI in brackets such as (01) at the start of {_show(text)}")
        raise Gs1Error(f"unknown application identifier ({leading.group(1)})")
    # A value runs up to the next "(NN)"; a lone "(" or "(X)" inside a value is data.
    # (A value that itself contains "(NN)" is ambiguous in this human-readable form.)
    marks = list(_BRACKETED_AI.finditer(text))
    ais: dict[str, str] = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        _add(ais, mark.group(1), text[mark.end() : end])
    return ais


def _parse_raw(raw: str) -> dict[str, str]:
    ais: dict[str, str] = {}
    at = 0
    while at < len(raw):
        if raw[at] == _GS:  # separators between fields, and a leading or doubled one
            at += 1
            continue
        prefix = raw[at : at + 2]
        if not (len(prefix) == 2 and _DIGITS.fullmatch(prefix)):
            raise Gs1Error(
                f"expected an application identifier at position {at}, "
                f"got {_show(raw[at : at + 8])}"
            )
        ai = raw[at : at + _ai_length(prefix)]
        if ai not in _AIS:
            raise Gs1Error(f"unknown application identifier ({ai}) at position {at}")
        start = at + len(ai)
        if prefix in _PREDEFINED_LENGTH_PREFIXES:
            end = min(start + _AIS[ai].length, len(raw))
        else:
            separator = raw.find(_GS, start)
            end = len(raw) if separator < 0 else separator
        _add(ais, ai, raw[start:end])
        at = end
    if not ais:
        raise Gs1Error("the element string holds no application identifiers")
    return ais


def parse_element_string(text: str) -> dict[str, str]:
    """AI -> value from a GS1 element string, validated.

    Reads the bracketed human-readable form "(01)09506000134352(21)SN123" and the raw
    form a scanner transmits: "0109506000134352" "21SN123" "\\x1d" "10LOT1", optionally
    behind a symbology identifier (]C1, ]e0, ]d2, ]Q3, ]J1; ]E0 and ]E4 give a bare
    EAN-13/UPC-A or EAN-8 GTIN). The GS separator (ASCII 29) may also appear as the
    text "<GS>" or "{GS}". Predefined-length AIs (00, 01, 02, 11-17, 20, 41x) need no
    separator after them; all others end at a separator or the end of the input.

    Raises Gs1Error on empty input, unknown or repeated AIs, wrong lengths, characters
    outside what the AI allows, impossible dates and wrong check digits.
    """
    text = text.strip()
    if not text:
        raise Gs1Error("the element string is empty")
    symbology = _SYMBOLOGY_ID.match(text)
    if symbology:
        sid, text = symbology.group(), text[symbology.end() :]
        if sid in _GTIN_SYMBOLOGIES:
            size = _GTIN_SYMBOLOGIES[sid]
            return {"01": _checked(text, f"GTIN-{size} after {sid}", (size,)).zfill(14)}
        if sid not in _ELEMENT_STRING_SYMBOLOGIES:
            raise Gs1Error(f"symbology identifier {sid} does not carry GS1 element strings")
        if not text:
            raise Gs1Error(f"the element string after {sid} is empty")
    if text.startswith("("):
        return _parse_bracketed(text)
    for form in _GS_TEXT_FORMS:
        text = text.replace(form, _GS)
    return _parse_raw(text)


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
    order = sorted(checked, key=lambda ai: (ai not in ("00", "01", "02"), ai))
    return "".join(f"({ai}){checked[ai]}" for ai in order)


# --- GS1 Digital Link -----------------------------------------------------------------

_DIGITAL_LINK_ALPHA = {"gtin": "01", "sscc": "00", "gln": "414", "lot": "10", "ser": "21"}
_PRIMARY_KEYS = frozenset({"00", "01", "414", "417"})
# Which AIs may follow each primary key in the path; the rest belong in the query.
_KEY_QUALIFIERS: dict[str, frozenset[str]] = {"01": frozenset({"10", "21"})}


def parse_digital_link(uri: str) -> dict[str, str]:
    """AI -> value from a GS1 Digital Link URI, validated.

    Any http(s) host and any path prefix before the GS1 part is accepted, e.g.
    https://id.gs1.org/01/09506000134352/21/SN123 or
    https://example.com/some/prefix/gtin/96385074/lot/L7?17=261231. Path values are
    percent-decoded; a GTIN may be 8, 12, 13 or 14 digits and comes back as 14. Numeric
    query keys are further AIs; other query keys (linkType, utm_...) are ignored.

    Raises Gs1Error for a non-http(s) URI, a path without a primary key (00, 01, 414,
    417) and for every value an element string would reject.
    """
    try:
        parts = urlsplit(uri.strip())
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise Gs1Error(f"not a valid URI ({exc}): {_show(uri)}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Gs1Error(f"a GS1 Digital Link must be an http(s) URI with a host, got {_show(uri)}")
    # Split before decoding so that %2F stays inside a value.
    segments = [s for s in parts.path.split("/") if s]
    keys = [_DIGITAL_LINK_ALPHA.get(s, unquote(s)) for s in segments]
    # The GS1 part ends the path as key/value pairs; walk it from the right so that a
    # prefix path (which may contain anything) is never mistaken for it.
    start = None
    for i in range(len(segments) - 2, -1, -2):
        if keys[i] in _PRIMARY_KEYS:
            start = i
            break
        if not _DIGITS.fullmatch(keys[i]):
            break
    if start is None:
        raise Gs1Error(
            "the URI path has no GS1 primary key such as /01/<GTIN>, /00/<SSCC> or "
            f"/414/<GLN>: {_show(parts.path)}"
        )
    primary = keys[start]
    ais: dict[str, str] = {}
    for i in range(start, len(segments), 2):
        ai, value = keys[i], unquote(segments[i + 1])
        if ai not in _AIS:
            raise Gs1Error(f"unknown application identifier ({ai})")
        if i > start and ai not in _KEY_QUALIFIERS.get(primary, frozenset()):
            raise Gs1Error(
                f"AI ({ai}) cannot follow ({primary}) in a Digital Link path; "
                f"put it in the query string as ?{ai}=..."
            )
        if ai == "01":
            value = normalize_gtin(value)
        _add(ais, ai, value)
    # Split by hand rather than parse_qsl: that turns "+" (allowed in GS1 values) into
    # a space and silently drops "?17=" instead of reporting the missing value.
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        ai = _DIGITAL_LINK_ALPHA.get(unquote(key), unquote(key))
        if _DIGITS.fullmatch(ai):
            _add(ais, ai, unquote(value))
    return ais


# --- what a scanner read --------------------------------------------------------------


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
    # The scan without surrounding whitespace (and without a symbology identifier that
    # carries no GS1 data), i.e. the value to look up for an ALIAS.
    raw: str


# Raw element strings that start with a complete SSCC or GTIN: clearly meant as GS1.
_RAW_PRIMARY_KEY = re.compile(r"(00[0-9]{18}|0[12][0-9]{14})")


def _looks_like_element_string(text: str) -> bool:
    return (
        text.startswith("(")
        or text[:3] in _ELEMENT_STRING_SYMBOLOGIES
        or text[:3] in _GTIN_SYMBOLOGIES
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


def parse_scan(code: str) -> ScanCode:
    """Classify and parse what a handheld scanner read.

    - http(s) URI: a GS1 Digital Link;
    - 18 digits: a bare SSCC;
    - starts with "(" or a GS1 symbology identifier, contains a GS separator (or the
      text <GS> / {GS}), or starts with 00 + 18 digits or 01/02 + 14 digits: a GS1
      element string; other codes of 16 or more characters that start with two digits
      are GS1 only if they parse cleanly and hold an SSCC or GTIN;
    - anything else (a MAC address, an IMEI, "SN-123"): an ALIAS with only `raw` set.

    Kind: SSCC (00) -> PACKAGE; GTIN (01) with serial (21) -> UNIT, with lot (10) ->
    LOT, alone -> PRODUCT. A scan that is clearly meant as GS1 but is malformed (bad
    check digit, bad date, unknown AI) raises Gs1Error rather than becoming an ALIAS,
    and so does GS1 that names none of these (e.g. only a lot, or a GLN).
    """
    raw = code.strip()
    if not raw:
        raise Gs1Error("the scan is empty")
    symbology = _SYMBOLOGY_ID.match(raw)
    sid = symbology.group() if symbology else ""
    if symbology and sid not in _ELEMENT_STRING_SYMBOLOGIES and sid not in _GTIN_SYMBOLOGIES:
        # e.g. ]Q1 (plain QR) or ]C0 (plain Code 128): the data after it is what counts.
        raw = raw[symbology.end() :].strip()
        if not raw:
            raise Gs1Error(f"the scan holds only the symbology identifier {sid}")
    ais: dict[str, str] | None
    if raw[:8].lower().startswith(("http://", "https://")):
        ais = parse_digital_link(raw)
    elif len(raw) == 18 and _DIGITS.fullmatch(raw):
        ais = {"00": validate_sscc(raw)}
    elif _looks_like_element_string(raw):
        ais = parse_element_string(raw)
    elif len(raw) >= 16 and _DIGITS.fullmatch(raw[:2]):
        ais = _try_element_string(raw)
    else:
        ais = None
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
