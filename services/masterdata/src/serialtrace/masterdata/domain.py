"""Master-data rules: plain Python, no I/O. Each check raises a ServiceError that says
what is wrong and how to fix it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from serialtrace.common import gs1, validation
from serialtrace.common.errors import FailedPrecondition, InvalidArgument
from serialtrace.common.validation import (
    NAME,
    REASON,
    TextLimit,
    check_code,
    check_free_text,
    parse_enum,
    parse_json_object,
    quote,
)
from serialtrace.masterdata.v1.masterdata_enums import (
    ImportBatchState,
    ProductKind,
    TrackingMode,
    Uniqueness,
)

# Serials one registration or allocation may name: the shared batch bound.
MAX_BATCH = validation.MAX_BATCH
MAX_ATTRIBUTES_BYTES = 16_384
DEFAULT_SERIAL_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}"

_REVISION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_ALIAS_KIND = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_PRINTABLE = re.compile(r"[!-~](?:[ -~]{0,98}[!-~])?")
_LOT_NUMBER = re.compile(r"[!-~]{1,40}")
_TEMPLATE_SEQ = re.compile(r"\{seq(?::0(\d{1,2})d)?\}")


def check_name(value: str, what: str, limit: TextLimit = NAME) -> str:
    """A required name (or other free text), stripped."""
    return check_free_text(value, what, limit)


@dataclass(frozen=True)
class SerialTemplate:
    """A numbering template such as "SN{seq:08d}": fixed text around one counter."""

    prefix: str
    width: int
    suffix: str

    @staticmethod
    def parse(text: str) -> SerialTemplate:
        matches = list(_TEMPLATE_SEQ.finditer(text))
        if len(matches) != 1:
            raise InvalidArgument(
                f"serial template {quote(text)} needs exactly one {{seq}} or {{seq:0Nd}} "
                "placeholder, e.g. 'SN{seq:08d}'"
            )
        match = matches[0]
        prefix, suffix = text[: match.start()], text[match.end() :]
        if any(c in prefix + suffix for c in "{}"):
            raise InvalidArgument(f"serial template {quote(text)} has stray braces")
        return SerialTemplate(prefix, int(match.group(1) or 0), suffix)

    def render(self, seq: int) -> str:
        return f"{self.prefix}{str(seq).zfill(self.width)}{self.suffix}"


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    kind: ProductKind
    tracking: TrackingMode
    gtin: str | None
    serial_pattern: str | None
    serial_template: str | None
    uniqueness: Uniqueness
    required_attributes: tuple[str, ...]


def validate_product(
    sku: str,
    name: str,
    kind: str,
    tracking: str,
    gtin: str,
    serial_pattern: str,
    serial_template: str,
    uniqueness: str,
    required_attributes: Sequence[str],
) -> ProductSpec:
    """A new product's definition, normalized (GTIN-14, default serial pattern)."""
    check_code(sku, "SKU")
    name = check_name(name, "product name")
    product_kind = parse_enum(ProductKind, kind, "product kind")
    mode = parse_enum(TrackingMode, tracking, "tracking mode")
    scope = parse_enum(Uniqueness, uniqueness or "PRODUCT", "uniqueness")
    normalized_gtin = None
    if gtin:
        try:
            normalized_gtin = gs1.normalize_gtin(gtin)
        except gs1.Gs1Error as exc:
            raise InvalidArgument(f"GTIN: {exc}") from None
    pattern = template = None
    if mode is TrackingMode.SERIAL:
        pattern = serial_pattern or DEFAULT_SERIAL_PATTERN
        compiled = compile_pattern(pattern)
        if serial_template:
            first = SerialTemplate.parse(serial_template).render(1)
            if not compiled.fullmatch(first):
                raise InvalidArgument(
                    f"serial template {quote(serial_template)} renders {first!r}, which does "
                    f"not match the serial pattern '{pattern}'"
                )
            template = serial_template
    elif serial_pattern or serial_template:
        raise InvalidArgument(
            f"only SERIAL-tracked products take a serial pattern or template; {sku} is "
            f"{mode.value}-tracked"
        )
    attrs = tuple(required_attributes)
    for attr in attrs:
        if not _ATTRIBUTE.fullmatch(attr):
            raise InvalidArgument(f"required attribute name {quote(attr)} is not an identifier")
    if len(set(attrs)) != len(attrs):
        raise InvalidArgument("required attributes contain duplicates")
    return ProductSpec(
        sku, name, product_kind, mode, normalized_gtin, pattern, template, scope, attrs
    )


def compile_pattern(pattern: str) -> re.Pattern[str]:
    if len(pattern) > 500:
        raise InvalidArgument("serial pattern is longer than 500 characters")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidArgument(
            f"serial pattern '{pattern}' is not a valid regular expression: {exc}"
        ) from None


def check_serials(sku: str, pattern: str, serials: Sequence[str]) -> None:
    """Every serial matches the product's pattern in full, and none repeats."""
    if len(serials) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} serials per call, got {len(serials)}")
    compiled = compile_pattern(pattern)
    bad = [s for s in serials if not compiled.fullmatch(s)]
    if bad:
        raise InvalidArgument(
            f"{len(bad)} serial(s) do not match the serial pattern '{pattern}' of {sku}: "
            f"{', '.join(quote(s, 40) for s in bad[:10])}"
        )
    repeated = sorted(s for s, n in Counter(serials).items() if n > 1)
    if repeated:
        shown = ", ".join(quote(s, 40) for s in repeated[:10])
        raise InvalidArgument(f"serials repeated in the request: {shown}")


def check_count(count: int) -> int:
    if not 1 <= count <= MAX_BATCH:
        raise InvalidArgument(f"count must be between 1 and {MAX_BATCH}, got {count}")
    return count


def parse_attributes(text: str, required: Iterable[str]) -> dict[str, Any]:
    """The unit attributes JSON object, with every required attribute present."""
    value = parse_json_object(text, "attributes", MAX_ATTRIBUTES_BYTES)
    missing = [name for name in required if name not in value]
    if missing:
        raise InvalidArgument(f"required attributes missing: {', '.join(missing)}")
    return value


def require_serial_tracked(sku: str, tracking: str) -> None:
    if tracking != TrackingMode.SERIAL:
        raise FailedPrecondition(
            f"product {sku} is {tracking}-tracked; only SERIAL-tracked products have units"
        )


def require_lot_tracked(sku: str, tracking: str) -> None:
    if tracking != TrackingMode.LOT:
        raise FailedPrecondition(
            f"product {sku} is {tracking}-tracked; only LOT-tracked products have lots"
        )


def validate_revision(revision: str) -> str:
    if not _REVISION.fullmatch(revision):
        raise InvalidArgument(
            f"BOM revision {quote(revision)} is not valid: 1-20 letters, digits, '.', '_' or '-'"
        )
    return revision


def validate_bom_items(parent_sku: str, items: Sequence[tuple[str, float]]) -> None:
    if not items:
        raise InvalidArgument("a BOM revision needs at least one item")
    if len(items) > 1000:
        raise InvalidArgument("a BOM revision has at most 1000 items")
    skus = [sku for sku, _ in items]
    if parent_sku in skus:
        raise InvalidArgument(f"{parent_sku} cannot be a component of itself")
    if len(set(skus)) != len(skus):
        raise InvalidArgument("each component SKU may appear once in a BOM revision")
    for sku, quantity in items:
        if not quantity > 0 or quantity != quantity or quantity == float("inf"):
            raise InvalidArgument(
                f"BOM quantity of {sku} must be a positive number, got {quantity}"
            )


def validate_meaning(meaning: str) -> str:
    """The stated meaning of an e-signature, e.g. 'approved for production'."""
    return check_name(meaning, "signature meaning", REASON)


def validate_gln(gln: str) -> str | None:
    if not gln:
        return None
    try:
        return gs1.validate_gln(gln)
    except gs1.Gs1Error as exc:
        raise InvalidArgument(f"GLN: {exc}") from None


def normalize_alias(kind: str, value: str) -> tuple[str, str]:
    kind, value = kind.strip().upper(), value.strip()
    if not _ALIAS_KIND.fullmatch(kind):
        raise InvalidArgument(
            f"alias kind {quote(kind)} is not valid: e.g. MAC, IMEI, CUSTOMER_TAG, FORMER_SERIAL"
        )
    if not _PRINTABLE.fullmatch(value):
        raise InvalidArgument(f"alias value {quote(value)} must be 1-100 printable characters")
    return kind, value


def validate_lot_number(lot_number: str) -> str:
    if not _LOT_NUMBER.fullmatch(lot_number):
        raise InvalidArgument(
            f"lot number {quote(lot_number)} must be 1-40 printable characters without spaces"
        )
    return lot_number


@dataclass(frozen=True)
class NewLot:
    """A lot as registered: what a registration or an import gives of it."""

    sku: str
    lot_number: str
    supplier_code: str
    supplier_lot_number: str
    produced_at: datetime | None
    expires_at: datetime | None


def check_dates(produced: datetime | None, expires: datetime | None) -> None:
    if produced and expires and expires < produced:
        raise InvalidArgument("a lot cannot expire before it was produced")


def gtins_to_look_up(gtins: Iterable[str]) -> list[str]:
    """The GTINs as stored (normalized to 14 digits); an invalid GTIN names no product,
    so it is left out rather than refused (a lookup asks, it does not assert)."""
    found = []
    for gtin in gtins:
        try:
            found.append(gs1.normalize_gtin(gtin))
        except gs1.Gs1Error:
            continue
    return found


def missing_attributes(attributes: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    """The product's required attributes a unit lacks (absent, null or blank)."""
    return [
        name
        for name in required
        if attributes.get(name) is None or str(attributes.get(name)).strip() == ""
    ]


# --- migration imports ------------------------------------------------------------------


# From each state, the states a batch may move to. APPLYING → APPLYING is a resumed run;
# APPLIED → APPLYING applies rows a stopped run had not reached.
IMPORT_TRANSITIONS: dict[ImportBatchState, frozenset[ImportBatchState]] = {
    ImportBatchState.CHECKED: frozenset({ImportBatchState.APPLYING}),
    ImportBatchState.APPLYING: frozenset(
        {ImportBatchState.APPLYING, ImportBatchState.APPLIED, ImportBatchState.ROLLED_BACK}
    ),
    ImportBatchState.APPLIED: frozenset(
        {
            ImportBatchState.APPLYING,
            ImportBatchState.APPLIED,
            ImportBatchState.VERIFIED,
            ImportBatchState.ROLLED_BACK,
        }
    ),
    ImportBatchState.VERIFIED: frozenset(
        {ImportBatchState.VERIFIED, ImportBatchState.APPLIED, ImportBatchState.ROLLED_BACK}
    ),
    ImportBatchState.ROLLED_BACK: frozenset(),
}
MAX_IMPORT_FILES = 20
MAX_IMPORT_ITEMS = 1_000


def check_import_transition(batch_id: str, current: str, new: str) -> ImportBatchState:
    """The new state of an import batch, if its current state allows it."""
    target = parse_enum(ImportBatchState, new, "import batch state")
    if target not in IMPORT_TRANSITIONS[ImportBatchState(current)]:
        raise FailedPrecondition(
            f"import batch {batch_id} is {current}; it cannot become {target.value}"
        )
    return target


def check_import_files(files: Sequence[tuple[str, int, int]]) -> None:
    """Per-file counts of an import batch: named files, counts within 0..rows."""
    if len(files) > MAX_IMPORT_FILES:
        raise InvalidArgument(f"at most {MAX_IMPORT_FILES} files per import batch")
    for name, rows, applied in files:
        check_name(name, "import file name")
        if rows < 0 or applied < 0:
            raise InvalidArgument(f"counts of {quote(name)} must not be negative")


def check_import_items(size: int) -> None:
    if size > MAX_IMPORT_ITEMS:
        raise InvalidArgument(f"at most {MAX_IMPORT_ITEMS} items per import call, got {size}")
