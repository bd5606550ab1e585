"""GS1 codes: check digits, GTIN, GLN and SSCC, element strings, Digital Link URIs, and
what a scanner read.

Every bad input raises Gs1Error with a message saying exactly what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import parse_qsl, unquote, urlsplit


class Gs1Error(ValueError):
    """A GS1 code that is malformed; the message says what is wrong."""


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body` (weights 3,1,3,… from the right)."""
    if not body.isdigit() or not body.isascii():
        raise Gs1Error(f"{body!r} must contain digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    return (
        len(code) >= 2
        and code.isdigit()
        and code.isascii()
        and gs1_check_digit(code[:-1]) == int(code[-1])
    )


def _checked(code: str, name: str, lengths: tuple[int, ...]) -> str:
    code = code.strip()
    if not code.isdigit() or not code.isascii():
        raise Gs1Error(f"{name} {code!r} must contain digits only")
    if len(code) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise Gs1Error(f"{name} must be {expected} digits, got {len(code)}")
    expected_digit = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected_digit:
        raise Gs1Error(f"{name} {code} has check digit {code[-1]}, expected {expected_digit}")
    return code


def normalize_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 with a valid check digit, as 14 digits."""
    return _checked(value, "GTIN", (8, 12, 13, 14)).zfill(14)


def validate_gln(value: str) -> str:
    """A 13-digit GLN with a valid check digit."""
    return _checked(value, "GLN", (13,))


def validate_sscc(value: str) -> str:
    """An 18-digit SSCC with a valid check digit."""
    return _checked(value, "SSCC", (18,))


def make_sscc(company_prefix: str, serial_reference: int, extension_digit: int = 0) -> str:
    """Extension digit + GS1 company prefix + serial reference (padded to 16 digits in
    all) + check digit."""
    if (
        not (company_prefix.isdigit() and company_prefix.isascii())
        or not 7 <= len(company_prefix) <= 10
    ):
        raise Gs1Error(f"GS1 company prefix must be 7-10 digits, got {company_prefix!r}")
    if not 0 <= extension_digit <= 9:
        raise Gs1Error(f"SSCC extension digit must be 0-9, got {extension_digit}")
    room = 16 - len(company_prefix)
    if not 0 <= serial_reference < 10**room:
        raise Gs1Error(
            f"serial reference {serial_reference} does not fit in {room} digits "
            f"after company prefix {company_prefix}"
        )
    body = f"{extension_digit}{company_prefix}{serial_reference:0{room}d}"
    return body + str(gs1_check_digit(body))


# --- element strings, Digital Link, and what a scanner read --------------------------


@dataclass(frozen=True)
class _AI:
    title: str
    numeric: bool
    length: int  # exact length when fixed, else the maximum
    fixed: bool
    check_digit: bool = False
    date: bool = False


_AIS: dict[str, _AI] = {
    "00": _AI("SSCC", True, 18, True, check_digit=True),
    "01": _AI("GTIN", True, 14, True, check_digit=True),
    "02": _AI("CONTENT", True, 14, True, check_digit=True),
    "10": _AI("BATCH/LOT", False, 20, False),
    "11": _AI("PROD DATE", True, 6, True, date=True),
    "13": _AI("PACK DATE", True, 6, True, date=True),
    "15": _AI("BEST BEFORE", True, 6, True, date=True),
    "17": _AI("USE BY/EXPIRY", True, 6, True, date=True),
    "20": _AI("VARIANT", True, 2, True),
    "21": _AI("SERIAL", False, 20, False),
    "240": _AI("ADDITIONAL ID", False, 30, False),
    "241": _AI("CUST. PART No.", False, 30, False),
    "250": _AI("SECONDARY SERIAL", False, 30, False),
    "30": _AI("VAR. COUNT", True, 8, False),
    "37": _AI("COUNT", True, 8, False),
    "400": _AI("ORDER NUMBER", False, 30, False),
    "410": _AI("SHIP TO LOC", True, 13, True, check_digit=True),
    "414": _AI("LOC No.", True, 13, True, check_digit=True),
    "7003": _AI("EXPIRY TIME", True, 10, True),
}
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_GS = "\x1d"
_SYMBOLOGY = re.compile(r"^\](C1|e0|d2|Q3|J1)")
_DIGITAL_LINK_ALIASES = {"gtin": "01", "sscc": "00", "lot": "10", "ser": "21", "cpv": "22"}


def _check_value(ai: str, value: str) -> str:
    spec = _AIS[ai]
    label = f"AI ({ai}) {spec.title}"
    if not value:
        raise Gs1Error(f"{label} has no value")
    if spec.fixed and len(value) != spec.length:
        raise Gs1Error(f"{label} expects {spec.length} characters, got {len(value)}: {value!r}")
    if not spec.fixed and len(value) > spec.length:
        raise Gs1Error(f"{label} allows at most {spec.length} characters, got {len(value)}")
    if spec.numeric and not (value.isdigit() and value.isascii()):
        raise Gs1Error(f"{label} must be digits only, got {value!r}")
    if not spec.numeric and not _CSET82.fullmatch(value):
        raise Gs1Error(f"{label} has characters outside GS1 character set 82: {value!r}")
    if spec.date:
        month, day = int(value[2:4]), int(value[4:6])
        if not 1 <= month <= 12 or not 0 <= day <= 31:
            raise Gs1Error(f"{label} expects a date YYMMDD, got {value!r}")
    if spec.check_digit:
        expected = gs1_check_digit(value[:-1])
        if int(value[-1]) != expected:
            raise Gs1Error(f"{label} {value} has check digit {value[-1]}, expected {expected}")
    return value


def _add(ais: dict[str, str], ai: str, value: str) -> None:
    if ai not in _AIS:
        raise Gs1Error(f"unknown application identifier ({ai})")
    if ai in ais:
        raise Gs1Error(f"AI ({ai}) appears twice")
    ais[ai] = _check_value(ai, value)


def _match_ai(text: str, at: int) -> str:
    for size in (2, 3, 4):
        if text[at : at + size] in _AIS:
            return text[at : at + size]
    raise Gs1Error(f"unknown application identifier at {text[at : at + 4]!r}")


def parse_element_string(text: str) -> dict[str, str]:
    """AI → value from a bracketed "(01)…(21)…" string or a raw one with FNC1/GS separators
    (an optional symbology identifier such as "]d2" is dropped; "<GS>" and "{GS}" count as
    the separator, as keyboard-wedge scanners often type them)."""
    text = text.strip()
    if not text:
        raise Gs1Error("the code is empty")
    ais: dict[str, str] = {}
    if text.startswith("("):
        parts = re.findall(r"\((\d{2,4})\)([^(]*)", text)
        if not parts or "".join(f"({a}){v}" for a, v in parts) != text:
            raise Gs1Error(f"malformed bracketed element string: {text[:60]!r}")
        for ai, value in parts:
            _add(ais, ai, value)
        return ais
    raw = _SYMBOLOGY.sub("", text).replace("<GS>", _GS).replace("{GS}", _GS)
    at = 0
    while at < len(raw):
        if raw[at] == _GS:
            at += 1
            continue
        ai = _match_ai(raw, at)
        spec = _AIS[ai]
        start = at + len(ai)
        if spec.fixed:
            end = start + spec.length
        else:
            separator = raw.find(_GS, start)
            end = len(raw) if separator < 0 else separator
        _add(ais, ai, raw[start:end])
        at = end
    return ais


def parse_digital_link(uri: str) -> dict[str, str]:
    """AI → value from a GS1 Digital Link URI, e.g. https://id.gs1.org/01/…/21/…"""
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Gs1Error(f"a Digital Link must be an http(s) URI, got {uri[:60]!r}")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    keys = [_DIGITAL_LINK_ALIASES.get(s, s) for s in segments]
    start = next((i for i, k in enumerate(keys) if k in ("00", "01", "414")), None)
    if start is None:
        raise Gs1Error("the URI has no GS1 primary key (/01/ GTIN, /00/ SSCC or /414/ GLN)")
    pairs = segments[start:]
    if len(pairs) % 2:
        raise Gs1Error("the Digital Link path must alternate AI and value")
    ais: dict[str, str] = {}
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        ai = _DIGITAL_LINK_ALIASES.get(key, key)
        if ai == "01" and len(value) in (8, 12, 13):
            value = normalize_gtin(value)
        _add(ais, ai, value)
    for key, value in parse_qsl(parts.query):
        if key.isdigit():
            _add(ais, key, value)
    return ais


class ScanCodeKind(Enum):
    UNIT = "UNIT"
    LOT = "LOT"
    PACKAGE = "PACKAGE"
    PRODUCT = "PRODUCT"
    ALIAS = "ALIAS"


@dataclass(frozen=True)
class ScanCode:
    kind: ScanCodeKind
    raw: str
    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None
    sscc: str | None = None
    ais: dict[str, str] = field(default_factory=dict)


def parse_scan(code: str) -> ScanCode:
    """What a scanner read: GS1 (element string, Digital Link, bare SSCC) or, failing
    that, an alias value. Something that clearly tries to be GS1 but is malformed raises
    Gs1Error instead of falling back to an alias lookup."""
    raw = code.strip()
    if raw.startswith(("http://", "https://")):
        ais = parse_digital_link(raw)
    elif raw.isdigit() and len(raw) == 18:
        ais = {"00": validate_sscc(raw)}
    elif (
        raw.startswith(("(", "]"))
        or _GS in raw
        or "<GS>" in raw
        or "{GS}" in raw
        or (raw.isdigit() and len(raw) >= 16 and raw[:2] in ("00", "01", "02"))
    ) or (raw[:2] == "01" and len(raw) > 16 and raw[2:16].isdigit() and raw[16:18] in ("10", "21")):
        ais = parse_element_string(raw)
    else:
        if not raw:
            raise Gs1Error("the code is empty")
        return ScanCode(ScanCodeKind.ALIAS, raw)
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
        raise Gs1Error("the code names no unit, lot, package or product (no AI 00 or 01)")
    return ScanCode(
        kind, raw, gtin=gtin, serial=ais.get("21"), lot=ais.get("10"), sscc=ais.get("00"), ais=ais
    )


def format_element_string(ais: dict[str, str]) -> str:
    """The bracketed human-readable form, primary keys first."""
    order = sorted(ais, key=lambda ai: (ai not in ("00", "01"), ai))
    return "".join(f"({ai}){ais[ai]}" for ai in order)
