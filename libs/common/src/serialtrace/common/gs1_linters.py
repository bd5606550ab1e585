"""Content checks ("linters") for the components of GS1 AI values.

The GS1 Barcode Syntax Dictionary names, for every component of every AI, which of
these checks apply (e.g. ``N6,yymmd0`` for an expiry date, ``N14,csum,keyoff1`` for a
GTIN). Each linter takes the component's text and returns None when it is fine, or a
sentence saying what is wrong. The component's character set and length have already
been checked when a linter runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

Linter = Callable[[str], "str | None"]

# GS1 AI encodable character set 82, in the order GS1 numbers its characters (the
# order matters for the alphanumeric check-character pair).
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CSET64 = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83)
_CSET82_VALUE = {ch: i for i, ch in enumerate(CSET82)}
_DIGITS = re.compile(r"[0-9]*")
_HEX = "0123456789ABCDEFabcdef"


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for a body of ASCII digits (weights 3, 1, 3, ... from
    the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _csum(value: str) -> str | None:
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        return f"{value} has check digit {value[-1]}, expected {expected}"
    return None


def _csumalpha(value: str) -> str | None:
    if len(value) < 2:
        return "the value is too short to carry its two check characters"
    body, pair = value[:-2], value[-2:]
    if len(body) > len(_PRIMES):
        return "the value is too long for an alphanumeric check-character pair"
    total = sum(_CSET82_VALUE[ch] * _PRIMES[len(body) - 1 - i] for i, ch in enumerate(body)) % 1021
    expected = _CSET32[total // 32] + _CSET32[total % 32]
    if pair != expected:
        return f"the check characters are {pair!r}, expected {expected!r}"
    return None


def _key(value: str, offset: int = 0) -> str | None:
    # A GS1 key starts with a GS1 Company Prefix of at least four digits.
    prefix = value[offset : offset + 4]
    if len(prefix) < 4:
        return "the value is shorter than the shortest GS1 Company Prefix (4 digits)"
    if not prefix.isascii() or not prefix.isdigit():
        return f"the GS1 Company Prefix must start with 4 digits, got {prefix!r}"
    return None


def _is_date(year: int, month: int, day: int, *, day_zero: bool) -> str | None:
    if not 1 <= month <= 12:
        return f"month {month:02d} is not 01-12"
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        last = 29 if leap else 28
    else:
        last = 30 if month in (4, 6, 9, 11) else 31
    first = 0 if day_zero else 1
    if not first <= day <= last:
        return f"day {day:02d} is not {first:02d}-{last:02d} for month {month:02d}"
    return None


def _yymmdd(value: str, *, day_zero: bool = False) -> str | None:
    # Read as 20YY for the leap-year question: GS1's sliding century puts YY within
    # -49..+50 years of today, where 2000+YY and 1900+YY differ only for YY = 00.
    yy = int(value[0:2])
    problem = _is_date(2000 + yy, int(value[2:4]), int(value[4:6]), day_zero=day_zero)
    return f"{value!r} is not a date YYMMDD: {problem}" if problem else None


def _yyyymmdd(value: str, *, day_zero: bool = False) -> str | None:
    problem = _is_date(int(value[0:4]), int(value[4:6]), int(value[6:8]), day_zero=day_zero)
    return f"{value!r} is not a date YYYYMMDD: {problem}" if problem else None


def _range(low: int, high: int, what: str) -> Linter:
    def check(value: str) -> str | None:
        if not low <= int(value) <= high:
            return f"{what} {value} is not {low:0{len(value)}d}-{high:0{len(value)}d}"
        return None

    return check


def _hhmi(value: str) -> str | None:
    if int(value[:2]) > 23 or int(value[2:]) > 59:
        return f"{value[:2]}:{value[2:]} is not a time of day"
    return None


@functools.cache
def _countries_numeric() -> frozenset[str]:
    import pycountry  # loaded on first use: it reads its ISO tables from disk

    return frozenset(c.numeric for c in pycountry.countries)


@functools.cache
def _countries_alpha2() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


@functools.cache
def _currencies_numeric() -> frozenset[str]:
    import pycountry

    return frozenset(c.numeric for c in pycountry.currencies)


def _iso3166(value: str) -> str | None:
    if value not in _countries_numeric():
        return f"{value} is not an ISO 3166 numeric country code"
    return None


def _iso3166999(value: str) -> str | None:
    return None if value == "999" else _iso3166(value)


def _iso3166alpha2(value: str) -> str | None:
    if value not in _countries_alpha2():
        return f"{value!r} is not an ISO 3166 two-letter country code"
    return None


def _iso3166list(value: str) -> str | None:
    if len(value) % 3:
        return "the value must be a list of three-digit country codes"
    for i in range(0, len(value), 3):
        if problem := _iso3166(value[i : i + 3]):
            return problem
    return None


def _iso4217(value: str) -> str | None:
    if value not in _currencies_numeric():
        return f"{value} is not an ISO 4217 numeric currency code"
    return None


def _pcenc(value: str) -> str | None:
    at = value.find("%")
    while at >= 0:
        pair = value[at + 1 : at + 3]
        if len(pair) < 2 or any(ch not in _HEX for ch in pair):
            return f"{value[at : at + 3]!r} is not a percent-encoded byte %hh"
        at = value.find("%", at + 3)
    return None


def _one_of(allowed: str, what: str) -> Linter:
    def check(value: str) -> str | None:
        if value not in allowed.split():
            return f"{what} must be one of {', '.join(allowed.split())}, got {value!r}"
        return None

    return check


def _nonzero(value: str) -> str | None:
    return "the value must not be zero" if int(value) == 0 else None


def _zero(value: str) -> str | None:
    return None if value == "0" else f"the value must be 0, got {value!r}"


def _nozeroprefix(value: str) -> str | None:
    if len(value) > 1 and value[0] == "0":
        return "the value must not start with 0"
    return None


def _hasnondigit(value: str) -> str | None:
    return "the value must contain a non-digit" if _DIGITS.fullmatch(value) else None


def _hyphen(value: str) -> str | None:
    return None if set(value) <= {"-"} else f"only '-' is allowed here, got {value!r}"


def _pieceoftotal(value: str) -> str | None:
    half = len(value) // 2
    piece, total = int(value[:half]), int(value[half:])
    if piece == 0:
        return "the piece number must not be zero"
    if total == 0:
        return "the total number of pieces must not be zero"
    if piece > total:
        return f"piece {piece} exceeds the total of {total}"
    return None


def _posinseqslash(value: str) -> str | None:
    match = re.fullmatch(r"([0-9]+)/([0-9]+)", value)
    if match is None:
        return f"the value must be <position>/<end>, got {value!r}"
    pos, end = match.groups()
    if pos[0] == "0" or end[0] == "0":
        return "position and end must not start with 0"
    if int(pos) > int(end):
        return f"position {pos} exceeds the end {end}"
    return None


def _iban(value: str) -> str | None:
    if len(value) < 5:
        return "the IBAN is too short"
    if not re.fullmatch(r"[A-Z0-9]+", value):
        return "the IBAN may hold only A-Z and 0-9"
    if value[:2] not in _countries_alpha2():
        return f"the IBAN must start with an ISO 3166 country code, got {value[:2]!r}"
    if not value[2:4].isdigit():
        return "the IBAN's check digits must be digits"
    rearranged = value[4:] + value[:4]
    if int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 != 1:
        return "the IBAN's check digits are wrong"
    return None


def _importeridx(value: str) -> str | None:
    return None if value in CSET64 else f"{value!r} is not a valid importer index"


def _latitude(value: str) -> str | None:
    return _range(0, 1800000000, "latitude")(value)


def _longitude(value: str) -> str | None:
    return _range(0, 3600000000, "longitude")(value)


def _winding(value: str) -> str | None:
    return _one_of("0 1 9", "the winding direction")(value)


def _gcppos(value: str) -> str | None:
    # Whether a coupon's GS1 Company Prefix is allocated needs GS1's prefix list, which
    # is not shipped; its length and digits are checked by the coupon linters.
    return None


def _couponcode(value: str) -> str | None:
    """North American Coupon Code (AI 8110): a chain of fields, several of them a
    variable-length indicator (VLI) digit followed by as many digits as it says."""
    if not _DIGITS.fullmatch(value):
        return "the coupon code must be digits only"
    reader = _Fields(value)
    reader.vli("primary GS1 Company Prefix", "0123456", plus=6)
    reader.take("offer code", 6)
    reader.vli("save value", "12345")
    reader.vli("primary purchase requirement", "12345")
    reader.code("primary purchase requirement code", "012349")
    reader.take("primary purchase family code", 3)
    if reader.flag("1"):
        reader.code("additional purchase rules code", "0123")
        reader.vli("second purchase requirement", "12345")
        reader.code("second purchase requirement code", "012349")
        reader.take("second purchase family code", 3)
        reader.vli("second purchase GS1 Company Prefix", "0123456", plus=6, nine_is_none=True)
    if reader.flag("2"):
        reader.vli("third purchase requirement", "12345")
        reader.code("third purchase requirement code", "012349")
        reader.take("third purchase family code", 3)
        reader.vli("third purchase GS1 Company Prefix", "0123456", plus=6, nine_is_none=True)
    expiry = reader.date("expiration date") if reader.flag("3") else None
    start = reader.date("start date") if reader.flag("4") else None
    if expiry and start and start > expiry:
        reader.fail("the expiration date is before the start date")
    if reader.flag("5"):
        reader.vli("serial number", "0123456789", plus=6)
    if reader.flag("6"):
        reader.vli("retailer GS1 Company Prefix or GLN", "1234567", plus=6)
    if reader.flag("9"):
        reader.code("save value code", "01256")
        reader.code("save value applies to item", "012")
        reader.code("store coupon flag", "0123456789")
        reader.code("don't multiply flag", "01")
    reader.end()
    return reader.problem


def _couponposoffer(value: str) -> str | None:
    """Positive offer file coupon code (AI 8112)."""
    if not _DIGITS.fullmatch(value):
        return "the coupon code must be digits only"
    reader = _Fields(value)
    reader.code("format code", "01")
    reader.vli("funder", "0123456", plus=6)
    reader.take("offer code", 6)
    reader.vli("serial number", "0123456789", plus=6)
    reader.end()
    return reader.problem


class _Fields:
    """Reads a coupon's fields left to right; the first problem sticks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.problem: str | None = None

    def fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = f"coupon: {problem}"

    def take(self, what: str, size: int) -> str:
        if self.problem:
            return ""
        part = self.text[self.at : self.at + size]
        if len(part) < size:
            self.fail(f"the {what} is shorter than {size} digits")
            return ""
        self.at += size
        return part

    def code(self, what: str, allowed: str) -> str:
        digit = self.take(what, 1)
        if digit and digit not in allowed:
            self.fail(f"the {what} must be one of {', '.join(allowed)}, got {digit}")
        return digit

    def vli(self, what: str, allowed: str, plus: int = 0, nine_is_none: bool = False) -> None:
        digit = self.code(f"{what} length indicator", allowed + ("9" if nine_is_none else ""))
        if digit and not (nine_is_none and digit == "9"):
            self.take(what, int(digit) + plus)

    def flag(self, digit: str) -> bool:
        if self.problem is None and self.text[self.at : self.at + 1] == digit:
            self.at += 1
            return True
        return False

    def date(self, what: str) -> str:
        text = self.take(what, 6)
        if text and _yymmdd(text):
            self.fail(f"the {what} {text} is not a valid YYMMDD date")
        return text

    def end(self) -> None:
        if self.problem is None and self.at != len(self.text):
            self.fail(f"unexpected data after the last field: {self.text[self.at :][:20]!r}")


def _packagetype(value: str) -> str | None:
    # The shape of a UN/ECE Recommendation 21 package type code (the list itself is
    # not shipped): 1 to 4 upper-case letters or digits.
    if not re.fullmatch(r"[0-9A-Z]{1,4}", value):
        return f"{value!r} is not a package type code"
    return None


LINTERS: dict[str, Linter] = {
    "csum": _csum,
    "csumalpha": _csumalpha,
    "key": _key,
    "keyoff1": lambda v: _key(v, 1),
    "yymmdd": _yymmdd,
    "yymmd0": lambda v: _yymmdd(v, day_zero=True),
    "yyyymmdd": _yyyymmdd,
    "yyyymmd0": lambda v: _yyyymmdd(v, day_zero=True),
    "hhmi": _hhmi,
    "hhmm": _hhmi,
    "hh": _range(0, 23, "hour"),
    "mi": _range(0, 59, "minute"),
    "ss": _range(0, 59, "second"),
    "iso3166": _iso3166,
    "iso3166999": _iso3166999,
    "iso3166alpha2": _iso3166alpha2,
    "iso3166list": _iso3166list,
    "iso4217": _iso4217,
    "iso5218": _one_of("0 1 2 9", "the ISO/IEC 5218 sex code"),
    "pcenc": _pcenc,
    "latitude": _latitude,
    "longitude": _longitude,
    "yesno": _one_of("0 1", "the flag"),
    "hyphen": _hyphen,
    "nonzero": _nonzero,
    "zero": _zero,
    "nozeroprefix": _nozeroprefix,
    "hasnondigit": _hasnondigit,
    "winding": _winding,
    "pieceoftotal": _pieceoftotal,
    "posinseqslash": _posinseqslash,
    "iban": _iban,
    "importeridx": _importeridx,
    "mediatype": _one_of(
        " ".join(f"{n:02d}" for n in [*range(1, 11), *range(80, 100)]), "the media type"
    ),
    "packagetype": _packagetype,
    "gcppos1": _gcppos,
    "gcppos2": _gcppos,
    "couponcode": _couponcode,
    "couponposoffer": _couponposoffer,
}
