"""Each row's own rules, as plain functions without I/O: a row's text in, a typed
record and the problems of its cells out. The masterdata rules (codes, patterns,
revisions, aliases, lot numbers) are masterdata's own functions, so the dry run judges
a row exactly as the live API will."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from serialtrace.common import gs1
from serialtrace.common.errors import ServiceError
from serialtrace.common.validation import check_code
from serialtrace.importer.problems import Problem, show
from serialtrace.masterdata import domain as md
from serialtrace.masterdata.v1 import masterdata_enums

PRODUCT_KINDS = tuple(k.value for k in masterdata_enums.ProductKind)
TRACKING_MODES = tuple(t.value for t in masterdata_enums.TrackingMode)
UNIQUENESS = tuple(u.value for u in masterdata_enums.Uniqueness)
PARTY_KINDS = tuple(k.value for k in masterdata_enums.PartyKind)
LOCATION_KINDS = tuple(k.value for k in masterdata_enums.LocationKind)
RESULTS = ("PASS", "FAIL")
UNIT_STATUSES = ("COMMISSIONED", "IN_PROCESS", "COMPLETE", "SCRAPPED")
# Product kinds built here: their units get a build in production, whose status is theirs.
MADE_HERE = ("FINISHED", "SUBASSEMBLY")


def in_stock(status: str, product_kind: str, location_code: str) -> bool:
    """Whether an imported unit with this status enters stock at its location: a unit
    made here only once COMPLETE (before that it is work in progress, and completing it
    is its goods receipt); a purchased one whatever its status, unless SCRAPPED."""
    if not location_code or status == "SCRAPPED":
        return False
    return status == "COMPLETE" or product_kind not in MADE_HERE


MAX_JSON_CHARS = 16_384
MAX_TEXT = 200

UnitKey = tuple[str, str]
LotKey = tuple[str, str]


class Cells:
    """One row's cells and the problems found in them, each naming its column."""

    def __init__(self, file: str, row: int, values: dict[str, str]) -> None:
        self.file, self.row, self.values = file, row, values
        self.problems: list[Problem] = []

    def problem(self, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.row, column, code, message))

    def text(self, column: str, required: bool = True, limit: int = MAX_TEXT) -> str:
        value = self.values.get(column, "").strip()
        if not value:
            if required:
                self.problem(column, "MISSING_VALUE", "is required")
            return ""
        if len(value) > limit:
            self.problem(column, "TOO_LONG", f"has {len(value)} characters; at most {limit}")
            return value[:limit]
        return value

    def code(self, column: str, what: str, required: bool = True) -> str:
        value = self.text(column, required, limit=64)
        if value and (wrong := code_problem(value, what)) is not None:
            self.problem(column, "BAD_CODE", wrong)
            return ""
        return value

    def choice(self, column: str, options: tuple[str, ...], required: bool = True) -> str:
        value = self.text(column, required).upper()
        if value and value not in options:
            self.problem(column, "BAD_VALUE", f"{show(value)} is not one of {', '.join(options)}")
            return ""
        return value

    def unit_key(self, sku_column: str, serial_column: str) -> UnitKey:
        """(sku, serial) from a row's two columns naming a unit."""
        return self.code(sku_column, "SKU"), self.text(serial_column, limit=100)

    def date(self, column: str, required: bool = True) -> datetime | None:
        value = self.text(column, required, limit=40)
        if not value:
            return None
        parsed = parse_iso_datetime(value)
        if parsed is None:
            self.problem(
                column,
                "BAD_DATE",
                f"{show(value)} is not an ISO 8601 date such as 2024-05-01T08:30:00+08:00",
            )
        return parsed

    def number(self, column: str, required: bool = True, positive: bool = False) -> float | None:
        value = self.text(column, required, limit=40)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0 or (positive and number == 0):
            self.problem(
                column,
                "BAD_NUMBER",
                f"{show(value)} is not a {'positive' if positive else 'non-negative'} number",
            )
            return None
        return number

    def json_object(self, column: str) -> dict[str, Any] | None:
        value = self.text(column, required=False, limit=MAX_JSON_CHARS)
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            self.problem(column, "BAD_JSON", f"is not JSON ({exc.msg} at character {exc.pos})")
            return None
        if not isinstance(parsed, dict):
            self.problem(column, "BAD_JSON", 'must be a JSON object, e.g. {"colour": "red"}')
            return None
        return parsed

    def gs1_key(self, column: str, code: str, length: int, normalize: Callable[[str], str]) -> str:
        """An optional GS1 key (GTIN, GLN, SSCC) in its normal form; `code` when the
        check digit or length is wrong (the text is kept as given)."""
        value = self.text(column, required=False, limit=length)
        if not value:
            return value
        try:
            return normalize(value)
        except gs1.Gs1Error as exc:
            self.problem(column, code, str(exc))
            return value

    def _rule(self, column: str, code: str, rule: Any, *args: Any) -> bool:
        try:
            rule(*args)
        except ServiceError as exc:
            self.problem(column, code, exc.message)
            return False
        return True


@lru_cache(maxsize=8_192)
def code_problem(value: str, what: str) -> str | None:
    """What check_code says of `value`, or None: remembered, as a file names the same
    few SKUs, operations and stations in every row."""
    try:
        check_code(value, what)
    except ServiceError as exc:
        return exc.message
    return None


@lru_cache(maxsize=4_096)
def parse_iso_datetime(value: str) -> datetime | None:
    """ISO 8601 date or date-time; without an offset it is taken as UTC. Remembered
    (datetimes are immutable): an export repeats the same days and times row after row."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


# --- records ---------------------------------------------------------------------------


# The records of the kinds a wave holds by the hundred thousand are NamedTuples, not
# frozen dataclasses: as immutable, and built several times faster (a frozen dataclass
# sets each field through object.__setattr__), which the dry run feels row by row.


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    name: str
    kind: str
    tracking: str
    gtin: str
    serial_pattern: str
    uniqueness: str
    required_attributes: tuple[str, ...]


@dataclass(frozen=True)
class PartyRecord:
    code: str
    name: str
    kind: str
    gln: str = ""


@dataclass(frozen=True)
class LocationRecord:
    code: str
    name: str
    kind: str
    parent_code: str
    gln: str


class Approval(NamedTuple):
    """A legacy sign-off from the columns approved_by, approved_at and approval_meaning
    (all empty when the row has none)."""

    by: str
    at: datetime | None
    meaning: str


@dataclass(frozen=True)
class BomLine:
    sku: str
    revision: str
    component_sku: str
    quantity: float
    effective_from: datetime | None
    approval: Approval


@dataclass(frozen=True)
class LotRecord(md.NewLot):
    """A lot row: the lot as masterdata registers it, and its stock (if any)."""

    quantity: float | None
    location_code: str


class UnitRecord(NamedTuple):
    sku: str
    serial: str
    status: str
    created_at: datetime | None
    attributes: dict[str, Any]
    aliases: tuple[tuple[str, str], ...]
    location_code: str


class GenealogyRecord(NamedTuple):
    parent: UnitKey
    installed_at: datetime | None
    component_unit: UnitKey | None
    component_lot: LotKey | None
    quantity: float
    installed_by: str
    removed_at: datetime | None
    removal_reason: str

    @property
    def component_sku(self) -> str:
        key = self.component_unit or self.component_lot
        return key[0] if key else ""


class OperationRecord(NamedTuple):
    unit: UnitKey
    operation: str
    station: str
    operator: str
    started_at: datetime | None
    finished_at: datetime | None
    result: str
    measurements: dict[str, Any]
    approval: Approval


@dataclass(frozen=True)
class ShipmentRecord:
    unit: UnitKey
    customer_code: str
    shipped_at: datetime | None
    carrier: str
    tracking_number: str
    sscc: str


Record = (
    ProductRecord
    | PartyRecord
    | LocationRecord
    | BomLine
    | LotRecord
    | UnitRecord
    | GenealogyRecord
    | OperationRecord
    | ShipmentRecord
)


@dataclass
class Parsed:
    record: Record | None
    problems: list[Problem] = field(default_factory=list)


# --- one function per kind ---------------------------------------------------------------


def parse_product(c: Cells) -> ProductRecord:
    sku = c.code("sku", "SKU")
    name = c.text("name")
    kind = c.choice("kind", PRODUCT_KINDS)
    tracking = c.choice("tracking", TRACKING_MODES)
    gtin = c.gs1_key("gtin", "BAD_GTIN", 14, gs1.normalize_gtin)
    pattern = c.text("serial_pattern", required=False, limit=500)
    if pattern:
        c._rule("serial_pattern", "BAD_PATTERN", md.compile_pattern, pattern)
    uniqueness = c.choice("uniqueness", UNIQUENESS, required=False) or "PRODUCT"
    required = c.text("required_attributes", required=False, limit=2000)
    names = tuple(n.strip() for n in required.replace(",", ";").split(";") if n.strip())
    if not c.problems:  # then the rest of masterdata's own verdict on the whole product
        try:
            md.validate_product(sku, name, kind, tracking, gtin, pattern, "", uniqueness, names)
        except ServiceError as exc:
            column = next((col for col, word in _PRODUCT_WORDS if word in exc.message), "-")
            c.problem(column, "BAD_VALUE", exc.message)
    return ProductRecord(sku, name, kind, tracking, gtin, pattern, uniqueness, names)


# Which column a masterdata product refusal is about, by what its message names.
_PRODUCT_WORDS = (
    ("required_attributes", "required attribute"),
    ("serial_pattern", "serial pattern"),
    ("gtin", "GTIN"),
)


def parse_party(c: Cells) -> PartyRecord:
    code, name = c.code("code", "party code"), c.text("name")
    return PartyRecord(code, name, c.choice("kind", PARTY_KINDS), _gln(c))


def _gln(c: Cells) -> str:
    """The optional `gln` column: 13 digits with a valid GS1 check digit."""
    return c.gs1_key("gln", "BAD_GLN", 13, gs1.validate_gln)


def parse_location(c: Cells) -> LocationRecord:
    code = c.code("code", "location code")
    name = c.text("name")
    kind = c.choice("kind", LOCATION_KINDS)
    parent = c.code("parent_code", "location code", required=False)
    gln = _gln(c)
    if parent and parent == code:
        c.problem("parent_code", "CYCLE", "a location cannot be its own parent")
    return LocationRecord(code, name, kind, parent, gln)


def _approval(c: Cells) -> Approval:
    """The optional sign-off columns: by whom, when and its meaning; both or neither of
    by and at."""
    approved_by = c.text("approved_by", required=False)
    approved_at = c.date("approved_at", required=False)
    meaning = c.text("approval_meaning", required=False, limit=500)
    if bool(approved_by) != bool(approved_at):
        c.problem(
            "approved_at" if approved_by else "approved_by",
            "MISSING_VALUE",
            "an approval needs both approved_by and approved_at",
        )
    return Approval(approved_by, approved_at, meaning)


def parse_bom_line(c: Cells) -> BomLine:
    sku = c.code("sku", "SKU")
    revision = c.text("revision", limit=20)
    if revision:
        c._rule("revision", "BAD_VALUE", md.validate_revision, revision)
    component = c.code("component_sku", "SKU")
    if component and component == sku:
        c.problem("component_sku", "CYCLE", f"{sku} cannot be a component of itself")
    quantity = c.number("quantity", positive=True) or 0.0
    effective_from = c.date("effective_from", required=False)
    approval = _approval(c)
    return BomLine(sku, revision, component, quantity, effective_from, approval)


def parse_lot(c: Cells) -> LotRecord:
    sku = c.code("sku", "SKU")
    lot_number = c.text("lot_number", limit=40)
    if lot_number:
        c._rule("lot_number", "BAD_VALUE", md.validate_lot_number, lot_number)
    supplier = c.code("supplier_code", "party code", required=False)
    supplier_lot = c.text("supplier_lot_number", required=False, limit=100)
    produced = c.date("produced_at", required=False)
    expires = c.date("expires_at", required=False)
    if produced and expires and expires < produced:
        c.problem("expires_at", "BAD_DATE", "a lot cannot expire before it was produced")
    quantity = c.number("quantity", required=False)
    location = c.code("location_code", "location code", required=False)
    if quantity and not location:
        c.problem(
            "location_code", "MISSING_VALUE", "a lot with a quantity needs the location it is in"
        )
    return LotRecord(sku, lot_number, supplier, supplier_lot, produced, expires, quantity, location)


def parse_aliases(c: Cells) -> tuple[tuple[str, str], ...]:
    text = c.text("aliases", required=False, limit=2000)
    aliases: list[tuple[str, str]] = []
    for part in (p for p in text.split(";") if p.strip()):
        kind, sep, value = part.partition(":")
        if not sep:
            c.problem(
                "aliases",
                "BAD_VALUE",
                f"{show(part, 40)} is not KIND:VALUE, e.g. MAC:00-1B-63-84-45-E6",
            )
            continue
        try:
            aliases.append(md.normalize_alias(kind, value))
        except ServiceError as exc:
            c.problem("aliases", "BAD_VALUE", exc.message)
    return tuple(aliases)


def parse_unit(c: Cells) -> UnitRecord:
    sku = c.code("sku", "SKU")
    serial = c.text("serial", limit=100)
    status = c.choice("status", UNIT_STATUSES, required=False) or "COMPLETE"
    created_at = c.date("created_at", required=False)
    attributes = c.json_object("attributes")
    aliases = parse_aliases(c)
    location = c.code("location_code", "location code", required=False)
    return UnitRecord(sku, serial, status, created_at, attributes or {}, aliases, location)


def parse_genealogy(c: Cells) -> GenealogyRecord:
    parent = c.unit_key("parent_sku", "parent_serial")
    installed_at = c.date("installed_at")
    has_unit = bool(
        c.values.get("component_sku", "").strip() or c.values.get("component_serial", "").strip()
    )
    has_lot = bool(c.values.get("lot_sku", "").strip() or c.values.get("lot_number", "").strip())
    component_unit: UnitKey | None = None
    component_lot: LotKey | None = None
    quantity = 1.0
    if has_unit == has_lot:
        c.problem(
            "component_sku",
            "MISSING_VALUE" if not has_unit else "BAD_VALUE",
            "give either component_sku + component_serial or lot_sku + lot_number + quantity",
        )
    elif has_unit:
        component_unit = c.unit_key("component_sku", "component_serial")
        if component_unit == parent:
            c.problem("component_serial", "CYCLE", "a unit cannot be installed in itself")
    else:
        component_lot = (c.code("lot_sku", "SKU"), c.text("lot_number", limit=40))
        quantity = c.number("quantity", positive=True) or 0.0
    installed_by = c.text("installed_by", required=False)
    removed_at = c.date("removed_at", required=False)
    reason = c.text("removal_reason", required=False, limit=500)
    if removed_at and installed_at and removed_at < installed_at:
        c.problem("removed_at", "REMOVED_BEFORE_INSTALL", "is before installed_at")
    if removed_at and not reason:
        c.problem("removal_reason", "MISSING_VALUE", "a removal needs its reason")
    return GenealogyRecord(
        parent,
        installed_at,
        component_unit,
        component_lot,
        quantity,
        installed_by,
        removed_at,
        reason,
    )


def parse_operation(c: Cells) -> OperationRecord:
    unit = c.unit_key("sku", "serial")
    operation = c.code("operation", "operation code")
    station = c.text("station")
    operator = c.text("operator")
    finished = c.date("finished_at")
    started = c.date("started_at", required=False)
    if started and finished and finished < started:
        c.problem("finished_at", "BAD_DATE", "is before started_at")
    result = c.choice("result", RESULTS)
    measurements = c.json_object("measurements")
    approval = _approval(c)
    return OperationRecord(
        unit,
        operation,
        station,
        operator,
        started,
        finished,
        result,
        measurements or {},
        approval,
    )


def parse_shipment(c: Cells) -> ShipmentRecord:
    unit = c.unit_key("sku", "serial")
    customer = c.code("customer_code", "party code")
    shipped = c.date("shipped_at")
    carrier = c.text("carrier", required=False)
    tracking = c.text("tracking_number", required=False)
    sscc = c.gs1_key("sscc", "BAD_SSCC", 18, gs1.validate_sscc)
    return ShipmentRecord(unit, customer, shipped, carrier, tracking, sscc)


PARSERS: dict[str, Any] = {
    "products": parse_product,
    "parties": parse_party,
    "locations": parse_location,
    "boms": parse_bom_line,
    "lots": parse_lot,
    "units": parse_unit,
    "genealogy": parse_genealogy,
    "operations": parse_operation,
    "shipments": parse_shipment,
}


def parse_row(kind: str, file: str, row: int, values: dict[str, str]) -> Parsed:
    cells = Cells(file, row, values)
    record = PARSERS[kind](cells)
    return Parsed(None if cells.problems else record, cells.problems)
