"""EPC identifiers: pure-identity EPC URNs (GS1 Tag Data Standard) and GS1 Digital Link
URIs, both ways, for the four kinds EPCIS events about our units, lots, packages and
places carry:

- sgtin: urn:epc:id:sgtin:<company>.<indicator+item>.<serial>
  ⇄ https://id.gs1.org/01/<gtin>/21/<serial>
- lgtin: urn:epc:class:lgtin:<company>.<indicator+item>.<lot>
  ⇄ https://id.gs1.org/01/<gtin>/10/<lot>
- sscc: urn:epc:id:sscc:<company>.<extension+serial reference>
  ⇄ https://id.gs1.org/00/<sscc>
- sgln: urn:epc:id:sgln:<company>.<location reference>.<extension>
  ⇄ https://id.gs1.org/414/<gln>[/254/<extension>]

A URN says where the GS1 company prefix ends; a Digital Link does not, so turning a
Digital Link into a URN needs the prefix length. Every bad input raises EpcError naming
what is wrong and echoing at most 100 characters of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from serialtrace.common.gs1 import gs1_check_digit, has_valid_check_digit

__all__ = [
    "CANONICAL_HOST",
    "EpcError",
    "EpcId",
    "EpcKind",
    "parse_epc",
    "to_digital_link",
    "to_urn",
]

CANONICAL_HOST = "https://id.gs1.org"


class EpcError(ValueError):
    """An identifier that is neither a supported EPC URN nor a GS1 Digital Link."""


class EpcKind(Enum):
    SGTIN = "sgtin"  # one serialised trade item
    LGTIN = "lgtin"  # a class: one lot (batch) of a trade item
    SSCC = "sscc"  # a logistic unit (carton, pallet)
    SGLN = "sgln"  # a physical location, optionally with an extension


@dataclass(frozen=True)
class EpcId:
    """One identifier, as GS1 keys. `key` is the GTIN-14, SSCC or GLN; `qualifier` the
    serial, lot or GLN extension (decoded, "" when there is none)."""

    kind: EpcKind
    key: str
    qualifier: str = ""
    company_prefix_length: int | None = None  # known when parsed from a URN

    @property
    def gtin(self) -> str:
        return self.key if self.kind in (EpcKind.SGTIN, EpcKind.LGTIN) else ""


def _show(text: str) -> str:
    return repr(text if len(text) <= 100 else text[:100] + "...")


# GS1 AI encodable character set 82, the characters a serial, lot or extension may use.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
# URN escapes per the Tag Data Standard: the characters a URN may not carry literally.
_URN_SAFE = "!'()*+,-.:;=_"
# Digital Link path values: percent-encode what is not unreserved or ' ; = (GS1 Digital
# Link's Table 7-1, as the CBV event-hash canonical form writes them).
_DL_SAFE = "'-.;=_"

_URN = re.compile(
    r"urn:epc:(?:id:(?P<id>sgtin|sscc|sgln)|class:(?P<cls>lgtin)):(?P<body>[^:]+)",
    re.IGNORECASE,
)


def _qualifier(raw: str, what: str, uri: str) -> str:
    try:
        value = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise EpcError(f"the {what} in {_show(uri)} is not valid percent-encoding") from None
    if not _CSET82.fullmatch(value):
        raise EpcError(
            f"the {what} in {_show(uri)} must be 1 to 20 GS1 characters (letters, digits, "
            "-._ and the like)"
        )
    return value


def _digits(part: str, length: int | None, what: str, uri: str) -> str:
    if not part.isascii() or not part.isdigit() or (length is not None and len(part) != length):
        size = f"{length} " if length is not None else ""
        raise EpcError(f"the {what} in {_show(uri)} must be {size}digits, got {_show(part)}")
    return part


def _from_urn(uri: str, match: re.Match[str]) -> EpcId:
    scheme = (match["id"] or match["cls"]).lower()
    parts = match["body"].split(".")
    if scheme in ("sgtin", "lgtin"):
        if len(parts) != 3:
            raise EpcError(
                f"an {scheme} URN is <company prefix>.<indicator and item reference>."
                f"<{'serial' if scheme == 'sgtin' else 'lot'}>, got {_show(uri)}"
            )
        company = _digits(parts[0], None, "company prefix", uri)
        item = _digits(parts[1], 13 - len(company), "indicator and item reference", uri)
        if not 6 <= len(company) <= 12:
            raise EpcError(f"the company prefix in {_show(uri)} must be 6 to 12 digits")
        body = item[0] + company + item[1:]
        gtin = body + str(gs1_check_digit(body))
        kind = EpcKind.SGTIN if scheme == "sgtin" else EpcKind.LGTIN
        what = "serial" if kind is EpcKind.SGTIN else "lot"
        return EpcId(kind, gtin, _qualifier(parts[2], what, uri), len(company))
    if scheme == "sscc":
        if len(parts) != 2:
            raise EpcError(
                "an sscc URN is <company prefix>.<extension and serial reference>, "
                f"got {_show(uri)}"
            )
        company = _digits(parts[0], None, "company prefix", uri)
        if not 6 <= len(company) <= 12:
            raise EpcError(f"the company prefix in {_show(uri)} must be 6 to 12 digits")
        reference = _digits(parts[1], 17 - len(company), "extension and serial reference", uri)
        body = reference[0] + company + reference[1:]
        return EpcId(EpcKind.SSCC, body + str(gs1_check_digit(body)), "", len(company))
    if len(parts) != 3:
        raise EpcError(
            f"an sgln URN is <company prefix>.<location reference>.<extension>, got {_show(uri)}"
        )
    company = _digits(parts[0], None, "company prefix", uri)
    if not 6 <= len(company) <= 12:
        raise EpcError(f"the company prefix in {_show(uri)} must be 6 to 12 digits")
    body = company + _digits(parts[1], 12 - len(company), "location reference", uri)
    extension = _qualifier(parts[2], "extension", uri)
    gln = body + str(gs1_check_digit(body))
    # Extension "0" is the GLN itself (TDS): no /254 on the Digital Link.
    return EpcId(EpcKind.SGLN, gln, "" if extension == "0" else extension, len(company))


_DL_KEYS = {"01": "01", "gtin": "01", "00": "00", "sscc": "00", "414": "414", "gln": "414"}
_DL_QUALIFIERS = {"21": "21", "ser": "21", "10": "10", "lot": "10", "254": "254", "22": "22"}


def _from_digital_link(uri: str) -> EpcId:
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise EpcError(f"not a valid URI: {_show(uri)}") from None
    segments = [s for s in parts.path.split("/") if s]
    # The GS1 part ends the path; anything before it is the resolver's own prefix.
    start = next(
        (i for i in range(len(segments) - 2, -1, -1) if segments[i].lower() in _DL_KEYS), None
    )
    if start is None or (len(segments) - start) % 2:
        raise EpcError(
            f"a GS1 Digital Link path needs /01/<GTIN>, /00/<SSCC> or /414/<GLN>, got {_show(uri)}"
        )
    ai = _DL_KEYS[segments[start].lower()]
    key = unquote(segments[start + 1])
    qualifiers: dict[str, str] = {}
    for n in range(start + 2, len(segments), 2):
        name = _DL_QUALIFIERS.get(segments[n].lower())
        if name is None:
            raise EpcError(f"unsupported key qualifier /{segments[n][:20]}/ in {_show(uri)}")
        qualifiers[name] = segments[n + 1]
    if ai == "01":
        key = _digits(key, None, "GTIN", uri)
        if len(key) not in (8, 12, 13, 14) or not has_valid_check_digit(key):
            raise EpcError(f"the GTIN in {_show(uri)} is not a valid GTIN-8, -12, -13 or -14")
        key = key.zfill(14)
        # The finest identity wins: a serial makes it one item, whatever lot it names.
        if "21" in qualifiers:
            return EpcId(EpcKind.SGTIN, key, _qualifier(qualifiers["21"], "serial", uri))
        if "10" in qualifiers:
            return EpcId(EpcKind.LGTIN, key, _qualifier(qualifiers["10"], "lot", uri))
        raise EpcError(f"{_show(uri)} names a product, not a serialised item or a lot")
    if ai == "00":
        key = _digits(key, 18, "SSCC", uri)
        if not has_valid_check_digit(key) or qualifiers:
            raise EpcError(f"{_show(uri)} is not a valid SSCC Digital Link")
        return EpcId(EpcKind.SSCC, key)
    key = _digits(key, 13, "GLN", uri)
    if not has_valid_check_digit(key) or set(qualifiers) - {"254"}:
        raise EpcError(f"{_show(uri)} is not a valid GLN Digital Link")
    extension = _qualifier(qualifiers["254"], "extension", uri) if "254" in qualifiers else ""
    return EpcId(EpcKind.SGLN, key, extension)


def parse_epc(uri: str) -> EpcId:
    """The GS1 keys in an EPC URN or a GS1 Digital Link URI (any host; ?query ignored)."""
    text = uri.strip()
    match = _URN.fullmatch(text)
    if match:
        return _from_urn(text, match)
    if text.lower().startswith(("http://", "https://")):
        return _from_digital_link(text.split("?", 1)[0].split("#", 1)[0])
    raise EpcError(
        "expected an EPC URN (urn:epc:id:sgtin|sscc|sgln:..., urn:epc:class:lgtin:...) "
        f"or a GS1 Digital Link URI, got {_show(uri)}"
    )


def to_digital_link(epc: EpcId | str) -> str:
    """The canonical GS1 Digital Link (https://id.gs1.org, numeric AIs) of an identifier."""
    ident = parse_epc(epc) if isinstance(epc, str) else epc
    if ident.kind is EpcKind.SGTIN:
        return f"{CANONICAL_HOST}/01/{ident.key}/21/{quote(ident.qualifier, safe=_DL_SAFE)}"
    if ident.kind is EpcKind.LGTIN:
        return f"{CANONICAL_HOST}/01/{ident.key}/10/{quote(ident.qualifier, safe=_DL_SAFE)}"
    if ident.kind is EpcKind.SSCC:
        return f"{CANONICAL_HOST}/00/{ident.key}"
    if ident.qualifier:
        return f"{CANONICAL_HOST}/414/{ident.key}/254/{quote(ident.qualifier, safe=_DL_SAFE)}"
    return f"{CANONICAL_HOST}/414/{ident.key}"


def to_urn(epc: EpcId | str, company_prefix_length: int | None = None) -> str:
    """The EPC URN of an identifier. A Digital Link does not say how long the GS1
    company prefix is: pass `company_prefix_length` (6 to 12) for one."""
    ident = parse_epc(epc) if isinstance(epc, str) else epc
    length = company_prefix_length or ident.company_prefix_length
    if length is None or not 6 <= length <= 12:
        raise EpcError("an EPC URN needs the GS1 company prefix length (6 to 12 digits)")
    if ident.kind in (EpcKind.SGTIN, EpcKind.LGTIN):
        indicator, company = ident.key[0], ident.key[1 : 1 + length]
        item = ident.key[1 + length : 13]
        prefix = "urn:epc:id:sgtin" if ident.kind is EpcKind.SGTIN else "urn:epc:class:lgtin"
        return f"{prefix}:{company}.{indicator}{item}.{quote(ident.qualifier, safe=_URN_SAFE)}"
    if ident.kind is EpcKind.SSCC:
        extension, company = ident.key[0], ident.key[1 : 1 + length]
        return f"urn:epc:id:sscc:{company}.{extension}{ident.key[1 + length : 17]}"
    company, location = ident.key[:length], ident.key[length:12]
    extension = quote(ident.qualifier, safe=_URN_SAFE) if ident.qualifier else "0"
    return f"urn:epc:id:sgln:{company}.{location}.{extension}"


# --- the canonical form of any GS1 key (for the CBV 2.0 event hash) --------------------
#
# The event hash writes every GS1 identifier, whatever its scheme, as the constrained
# canonical Digital Link: https://id.gs1.org, numeric AIs, the finest identity only, no
# query string. These tables cover every pure-identity, class and pattern EPC URN the
# Tag Data Standard defines for GS1 keys; a value that is none of them (and no GS1
# Digital Link either) has no canonical form and is hashed as written.

_URN_CHAR = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]"
    r"|[!')(*+,.0-9:;=A-Za-z_-])"
)
_CPI_CHAR = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"


_DL_ESCAPES = str.maketrans({char: f"%{ord(char):02X}" for char in "!()*+,:"})


def _urn_escape(raw: str) -> str:
    """A URN component as a Digital Link path value: the URN's own %-escapes stay, and
    the characters a URN may carry literally but a Digital Link may not are escaped."""
    return raw.translate(_DL_ESCAPES)


def _cd(body: str) -> str:
    return body + str(gs1_check_digit(body))


@lru_cache(maxsize=4_096)  # the serials of one product share their GTIN
def _gtin(company: str, item: str) -> str:
    return _cd(item[0] + company + item[1:])


def _split_prefix(body: str, total: int) -> tuple[str, str, str] | None:
    """`<company>.<reference><rest>` where company and reference make `total` digits and
    the company has 6-12; rest is whatever follows (a `.serial`, `.*` or nothing)."""
    company, dot, rest = body.partition(".")
    if not dot or not 6 <= len(company) <= 12 or not company.isdigit():
        return None
    reference = rest[: total - len(company)]
    if len(reference) != total - len(company) or not (reference.isdigit() or reference == ""):
        return None
    return company, reference, rest[len(reference) :]


def _gtin_and_rest(body: str) -> tuple[str, str] | None:
    """The GTIN of a `<company>.<indicator><item>` body (13 digits) and what follows."""
    if (parts := _split_prefix(body, 13)) is None:
        return None
    company, item, rest = parts
    return _gtin(company, item), rest


# The EPC schemes whose body starts with a GTIN (company prefix, indicator, item).
_GTIN_KEYED = ("sgtin", "upui", "lgtin", "itip")


def _gtin_keyed(scheme: str, body: str, pattern: bool) -> str | None:
    """The Digital Link of a GTIN-keyed EPC: one instance, or with `pattern` the class a
    pattern URI (`...*`) names (there is no lgtin pattern)."""
    if (found := _gtin_and_rest(body)) is None:
        return None
    gtin, rest = found
    host = CANONICAL_HOST
    if scheme == "itip":
        serial = r"\*" if pattern else rf"({_URN_CHAR}{{1,20}})"
        if (match := re.fullmatch(rf"\.(\d\d)\.(\d\d)\.{serial}", rest)) is None:
            return None
        piece = f"{host}/8006/{gtin}{match[1]}{match[2]}"
        return piece if pattern else f"{piece}/21/{_urn_escape(match[3])}"
    if pattern:
        return f"{host}/01/{gtin}" if rest == ".*" and scheme != "lgtin" else None
    limit = 28 if scheme == "upui" else 20
    if not re.fullmatch(rf"\.{_URN_CHAR}{{1,{limit}}}", rest):
        return None
    ai = {"sgtin": "21", "upui": "235", "lgtin": "10"}[scheme]
    return f"{host}/01/{gtin}/{ai}/{_urn_escape(rest[1:])}"


def _pure_identity(scheme: str, body: str) -> str | None:
    if scheme in _GTIN_KEYED:
        return _gtin_keyed(scheme, body, pattern=False)
    host = CANONICAL_HOST
    if scheme in ("sscc", "gsrn", "gsrnp", "gsin"):
        total = 16 if scheme == "gsin" else 17
        parts = _split_prefix(body, total)
        if parts is None or parts[2] != "":
            return None
        company, reference, _ = parts
        ai = {"sscc": "00", "gsrn": "8018", "gsrnp": "8017", "gsin": "402"}[scheme]
        digits = reference[0] + company + reference[1:] if scheme == "sscc" else company + reference
        return f"{host}/{ai}/{_cd(digits)}"
    if scheme in ("sgln", "pgln", "grai", "gdti", "sgcn"):
        if (parts := _split_prefix(body, 12)) is None:
            return None
        company, reference, rest = parts
        key = _cd(company + reference)
        if scheme == "pgln":
            return f"{host}/417/{key}" if rest == "" else None
        if scheme == "sgcn":
            return f"{host}/255/{key}{rest[1:]}" if re.fullmatch(r"\.\d{1,12}", rest) else None
        limit = {"sgln": 20, "grai": 16, "gdti": 17}[scheme]
        if not re.fullmatch(rf"\.{_URN_CHAR}{{1,{limit}}}", rest):
            return None
        value = _urn_escape(rest[1:])
        if scheme == "sgln":
            return f"{host}/414/{key}" if value == "0" else f"{host}/414/{key}/254/{value}"
        if scheme == "grai":
            return f"{host}/8003/{_cd('0' + company + reference)}{value}"
        return f"{host}/253/{key}{value}"
    if scheme in ("giai", "ginc"):
        match = re.fullmatch(rf"(\d{{6,12}})\.({_URN_CHAR}+)", body)
        if match is None or len(re.findall(_URN_CHAR, match[2])) > 30 - len(match[1]):
            return None
        ai = "8004" if scheme == "giai" else "401"
        return f"{host}/{ai}/{match[1]}{_urn_escape(match[2])}"
    if scheme == "cpi":
        match = re.fullmatch(rf"(\d{{6,12}})\.({_CPI_CHAR}+)\.(\d{{1,12}})", body)
        if match is None or len(re.findall(_CPI_CHAR, match[2])) > 30 - len(match[1]):
            return None
        return f"{host}/8010/{_urn_escape(match[1] + match[2])}/8011/{match[3]}"
    return None


def _pattern(scheme: str, body: str) -> str | None:
    """An EPC pattern URI naming a whole class (`...*`): the class's Digital Link."""
    if scheme in _GTIN_KEYED:
        return _gtin_keyed(scheme, body, pattern=True)
    host = CANONICAL_HOST
    if scheme in ("grai", "gdti", "sgcn"):
        parts = _split_prefix(body, 12)
        if parts is None or parts[2] != ".*":
            return None
        company, reference, _ = parts
        if scheme == "grai":
            return f"{host}/8003/{_cd('0' + company + reference)}"
        return f"{host}/{'253' if scheme == 'gdti' else '255'}/{_cd(company + reference)}"
    if scheme == "cpi":
        match = re.fullmatch(rf"(\d{{6,12}})\.({_CPI_CHAR}+)\.\*", body)
        return f"{host}/8010/{_urn_escape(match[1] + match[2])}" if match else None
    return None


_DL_SHORT_NAMES = {
    "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417",
    "gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253",
    "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004", "cpv": "22",
    "lot": "10", "ser": "21",
}  # fmt: skip
_DL_PRIMARY = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006",
               "8010", "8017", "8018")  # fmt: skip
_DL_ANY = re.compile(
    r"https?://[^/?#]*(?:/[^?#]*)?/(?:01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017"
    r"|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/"
    r"\d{4}[^/]+(?:/[^/]+/[^/]+)?/?(?:\?[^?\n]*)?(?:#[^\n]*)?"
)
_V = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_DL_CANONICAL = re.compile(
    "|".join(
        [
            r"00/\d{18}",
            rf"01/\d{{14}}(?:/21/{_V}{{0,20}}|/10/{_V}{{0,20}}|/235/{_V}{{0,28}})?",
            rf"253/\d{{13}}{_V}{{0,17}}",
            r"255/\d{13}\d{0,12}",
            rf"401/{_V}{{0,30}}",
            r"402/\d{17}",
            rf"414/\d{{13}}(?:/254/{_V}{{0,20}})?",
            r"417/\d{13}",
            rf"8003/\d{{14}}{_V}{{0,16}}",
            rf"8004/{_V}{{0,30}}",
            rf"8006/\d{{18}}(?:/21/{_V}{{0,20}}|/10/{_V}{{0,20}})?",
            r"8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}(?:/8011/\d{0,12})?",
            r"8017/\d{18}",
            r"8018/\d{18}",
        ]
    )
)


def _canonical_from_digital_link(uri: str) -> str | None:
    if not _DL_ANY.match(uri):
        return None
    uri = uri.split("?", 1)[0].split("#", 1)[0]
    scheme_host, _, path = uri.partition("//")[2].partition("/")
    segments = [_DL_SHORT_NAMES.get(s, s) for s in path.split("/")]
    # The GS1 part starts at the first primary key; the rest is the resolver's prefix.
    start = next((i for i, s in enumerate(segments) if s in _DL_PRIMARY), None)
    if start is None or not scheme_host:
        return None
    segments = [s for s in segments[start:] if s != ""]
    if segments[0] == "01" and len(segments) > 1 and len(segments[1]) in (8, 12, 13):
        segments[1] = segments[1].zfill(14)
    pairs = dict(zip(segments[2::2], segments[3::2], strict=False))
    # A consumer product variant (22) and a lot under a serial are not identity.
    pairs.pop("22", None)
    if "21" in pairs:
        pairs.pop("10", None)
    path = "/".join([*segments[:2], *(f"{ai}/{value}" for ai, value in pairs.items())])
    return f"{CANONICAL_HOST}/{path}" if _DL_CANONICAL.fullmatch(path) else None


@lru_cache(maxsize=65_536)  # pure, and the same locations and classes recur in every event
def canonical_digital_link(uri: str) -> str | None:
    """The constrained canonical GS1 Digital Link of any EPC URN, EPC class or pattern
    URI or GS1 Digital Link naming a GS1 key; None for anything else. Never raises."""
    if uri.startswith("urn:epc:"):
        _, _, kind, scheme, body = [*uri.split(":", 4), "", "", ""][:5]
        if kind == "id":
            return _pure_identity(scheme, body)
        if kind == "class" and scheme == "lgtin":
            return _pure_identity("lgtin", body)
        if kind == "idpat":
            return _pattern(scheme, body)
        return None
    if uri.startswith(("http://", "https://")):
        return _canonical_from_digital_link(uri)
    return None
