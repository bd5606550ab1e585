"""The dry run's rules across rows and files: duplicates (within the files and against
the database), references found in the files or the database, BOM membership, one
current parent per component, no genealogy cycle.

The database is seen only through a Catalog (batch reads, answered by the services'
read RPCs in use, by a dict in the unit tests). Rows stream through; what is kept is
keys, not rows, and lookups against the database go in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from serialtrace.importer import rules
from serialtrace.importer.problems import Problem, show
from serialtrace.importer.reading import Row, Table
from serialtrace.importer.rules import LotKey, UnitKey
from serialtrace.masterdata import domain as md

CHUNK = 1_000

V = TypeVar("V")


@dataclass(frozen=True)
class ProductInfo:
    tracking: str
    serial_pattern: str
    uniqueness: str = "PRODUCT"
    required_attributes: tuple[str, ...] = ()
    kind: str = ""  # FINISHED, SUBASSEMBLY (made here), COMPONENT, MATERIAL


class Catalog(Protocol):
    """What the database already holds, asked in batches."""

    def products(self, skus: list[str]) -> dict[str, ProductInfo]: ...
    def parties(self, codes: list[str]) -> dict[str, str]: ...
    def party_glns(self, glns: list[str]) -> dict[str, str]: ...  # GLN → the party's code
    def locations(self, codes: list[str]) -> set[str]: ...
    def bom_revisions(self, skus: list[str]) -> dict[tuple[str, str], set[str]]: ...
    def lots(self, keys: list[LotKey]) -> set[LotKey]: ...
    def units(self, keys: list[UnitKey]) -> set[UnitKey]: ...
    def current_parents(self, keys: list[UnitKey]) -> dict[UnitKey, UnitKey]: ...


@dataclass
class DictCatalog:
    """A database held in dicts: the empty database, and the unit tests' fixture."""

    product_info: dict[str, ProductInfo] = field(default_factory=dict)
    party_kinds: dict[str, str] = field(default_factory=dict)
    party_codes_by_gln: dict[str, str] = field(default_factory=dict)
    location_codes: set[str] = field(default_factory=set)
    boms: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    lot_keys: set[LotKey] = field(default_factory=set)
    unit_keys: set[UnitKey] = field(default_factory=set)
    parents: dict[UnitKey, UnitKey] = field(default_factory=dict)

    def products(self, skus: list[str]) -> dict[str, ProductInfo]:
        return {s: self.product_info[s] for s in skus if s in self.product_info}

    def parties(self, codes: list[str]) -> dict[str, str]:
        return {c: self.party_kinds[c] for c in codes if c in self.party_kinds}

    def party_glns(self, glns: list[str]) -> dict[str, str]:
        return {g: self.party_codes_by_gln[g] for g in glns if g in self.party_codes_by_gln}

    def locations(self, codes: list[str]) -> set[str]:
        return {c for c in codes if c in self.location_codes}

    def bom_revisions(self, skus: list[str]) -> dict[tuple[str, str], set[str]]:
        return {k: v for k, v in self.boms.items() if k[0] in skus}

    def lots(self, keys: list[LotKey]) -> set[LotKey]:
        return {k for k in keys if k in self.lot_keys}

    def units(self, keys: list[UnitKey]) -> set[UnitKey]:
        return {k for k in keys if k in self.unit_keys}

    def current_parents(self, keys: list[UnitKey]) -> dict[UnitKey, UnitKey]:
        return {k: self.parents[k] for k in keys if k in self.parents}


@dataclass(frozen=True)
class Where:
    file: str
    row: int
    column: str

    def problem(self, code: str, message: str) -> Problem:
        return Problem(self.file, self.row, self.column, code, message)


def _asked_once(cache: dict[str, V], key: str, ask: Callable[[], V]) -> V:
    """The database's answer about something the files do not define, asked once a check."""
    if key not in cache:
        cache[key] = ask()
    return cache[key]


def _unit(key: UnitKey) -> str:
    return f"{key[0]} {key[1]}"


class Checker:
    """Feeds every row of every file, in dependency order, through the rules; `finish`
    returns every problem found, sorted by file order and row."""

    def __init__(self, catalog: Catalog, report_conflicts: bool = True) -> None:
        """`report_conflicts` False: a key already in the database is not a problem (a
        resumed batch finds its own earlier rows there; idempotency keys skip them)."""
        self.catalog = catalog
        self.report_conflicts = report_conflicts
        self.problems: list[Problem] = []
        self.rows_read: dict[str, int] = {}
        # What the files define (key → where), and what the database was found to hold.
        self.products: dict[str, ProductInfo] = {}
        self.product_rows: dict[str, Where] = {}
        self._db_products: dict[str, ProductInfo | None] = {}
        self._db_parties_cache: dict[str, str | None] = {}
        self._db_location_cache: dict[str, bool] = {}
        self.parties: dict[str, str] = {}
        self.party_rows: dict[str, Where] = {}
        self.party_glns: dict[str, Where] = {}
        self.locations: dict[str, Where] = {}
        self._location_parents: list[tuple[str, Where]] = []
        self.bom_lines: dict[tuple[str, str, str], Where] = {}
        self.bom_components: dict[str, set[str]] = defaultdict(set)
        self._db_bom_components: dict[str, set[str]] = {}
        self._db_revisions: set[tuple[str, str]] = set()
        self.lots: dict[LotKey, Where] = {}
        self.units: dict[UnitKey, Where] = {}
        self.global_serials: dict[str, Where] = {}
        self.shipped: dict[UnitKey, Where] = {}
        self.current_parent: dict[UnitKey, tuple[UnitKey, Where]] = {}
        self.edges: dict[UnitKey, list[tuple[UnitKey, Where]]] = defaultdict(list)
        # Deferred database questions, asked CHUNK keys at a time.
        self._pending_units: list[tuple[UnitKey, Where, bool]] = []
        self._pending_lots: list[tuple[LotKey, Where, bool]] = []
        self._pending_parents: list[tuple[UnitKey, UnitKey, Where]] = []

    # --- driving ----------------------------------------------------------------------

    def check_tables(self, tables: Iterable[Table]) -> list[Problem]:
        for table in tables:
            self.check_rows(table.kind.name, table.file, table.rows())
        return self.finish()

    def check_rows(self, kind: str, file: str, rows: Iterator[Row | Problem]) -> None:
        count = 0
        for item in rows:
            if isinstance(item, Problem):
                self.problems.append(item)
                continue
            count += 1
            parsed = rules.parse_row(kind, file, item.number, item.values)
            self.problems.extend(parsed.problems)
            if parsed.record is not None:
                getattr(self, f"_{kind}")(parsed.record, file, item.number)
        self.rows_read[file] = count
        if kind == "locations":
            self._check_location_parents()
        self._flush()

    def finish(self) -> list[Problem]:
        self._flush()
        self._check_cycles()
        order = {f: n for n, f in enumerate(self.rows_read)}
        return sorted(self.problems, key=lambda p: (order.get(p.file, -1), p.file, p.row, p.column))

    # --- lookups ----------------------------------------------------------------------

    def product(self, sku: str) -> ProductInfo | None:
        if sku in self.products:
            return self.products[sku]
        return _asked_once(self._db_products, sku, lambda: self.catalog.products([sku]).get(sku))

    def party_kind(self, code: str) -> str | None:
        if code in self.parties:
            return self.parties[code]
        return _asked_once(
            self._db_parties_cache, code, lambda: self.catalog.parties([code]).get(code)
        )

    def location_known(self, code: str) -> bool:
        if code in self.locations:
            return True
        return _asked_once(
            self._db_location_cache, code, lambda: bool(self.catalog.locations([code]))
        )

    def components_of(self, sku: str) -> set[str]:
        if sku not in self._db_bom_components:
            found = self.catalog.bom_revisions([sku])
            self._db_revisions.update(found)
            self._db_bom_components[sku] = set().union(*found.values()) if found else set()
        return self.bom_components.get(sku, set()) | self._db_bom_components[sku]

    def _need_product(
        self, sku: str, where: Where, tracking: str | None = None
    ) -> ProductInfo | None:
        info = self.product(sku)
        if info is None:
            self.problems.append(
                where.problem(
                    "NOT_FOUND", f"product {sku!r} is neither in products.csv nor in the database"
                )
            )
        elif tracking and info.tracking != tracking:
            self.problems.append(
                where.problem(
                    "BAD_VALUE", f"product {sku} is {info.tracking}-tracked, not {tracking}-tracked"
                )
            )
            return None
        return info

    def _need_unit(self, key: UnitKey, where: Where) -> None:
        if key not in self.units:
            self._pending_units.append((key, where, True))

    def _need_lot(self, key: LotKey, where: Where) -> None:
        if key not in self.lots:
            self._pending_lots.append((key, where, True))
        if len(self._pending_lots) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        """Asks the database about the deferred keys: a reference must be there, a new
        key must not."""
        for pending, ask, what in (
            (self._pending_units, self.catalog.units, "unit"),
            (self._pending_lots, self.catalog.lots, "lot"),
        ):
            for start in range(0, len(pending), CHUNK):
                chunk = pending[start : start + CHUNK]
                found = ask(list({k for k, _, _ in chunk}))
                for key, where, must_exist in chunk:
                    if must_exist and key not in found:
                        self.problems.append(
                            where.problem(
                                "NOT_FOUND",
                                f"{what} {_unit(key)} is neither in {what}s.csv "
                                "nor in the database",
                            )
                        )
                    elif not must_exist and key in found:
                        self._conflict(where, f"{what} {_unit(key)} is already in the database")
            pending.clear()
        parents = self._pending_parents
        for start in range(0, len(parents), CHUNK):
            edges = parents[start : start + CHUNK]
            installed = self.catalog.current_parents(list({c for c, _, _ in edges}))
            for component, parent, at in edges:
                current = installed.get(component)
                if current is not None and current != parent:
                    self.problems.append(
                        at.problem(
                            "TWO_PARENTS",
                            f"{_unit(component)} is installed in {_unit(current)} in the database",
                        )
                    )
        parents.clear()

    # --- one method per kind ------------------------------------------------------------

    def _conflict(self, where: Where, message: str) -> None:
        if self.report_conflicts:
            self.problems.append(where.problem("CONFLICT", message))

    def _define(self, seen: dict, key: object, where: Where, what: str) -> bool:  # type: ignore[type-arg]
        first = seen.get(key)
        if first is not None:
            self.problems.append(
                where.problem("DUPLICATE", f"{what} is also in {first.file} row {first.row}")
            )
            return False
        seen[key] = where
        return True

    def _products(self, r: rules.ProductRecord, file: str, row: int) -> None:
        where = Where(file, row, "sku")
        if not self._define(self.product_rows, r.sku, where, f"product {r.sku}"):
            return
        if self.catalog.products([r.sku]):
            self._conflict(where, f"product {r.sku} is already in the database")
        pattern = r.serial_pattern or (md.DEFAULT_SERIAL_PATTERN if r.tracking == "SERIAL" else "")
        self.products[r.sku] = ProductInfo(
            r.tracking, pattern, r.uniqueness, r.required_attributes, r.kind
        )

    def _parties(self, r: rules.PartyRecord, file: str, row: int) -> None:
        where = Where(file, row, "code")
        if self._define(self.party_rows, r.code, where, f"party {r.code}"):
            if self.catalog.parties([r.code]):
                self._conflict(where, f"party {r.code} is already in the database")
            self.parties[r.code] = r.kind
        if r.gln:
            self._party_gln(r, Where(file, row, "gln"))

    def _party_gln(self, r: rules.PartyRecord, where: Where) -> None:
        """A party's GLN names one party: not two rows of the files, not another party
        of the database (its own, when a resumed batch finds it there, is no conflict)."""
        if not self._define(self.party_glns, r.gln, where, f"GLN {r.gln}"):
            return
        owner = self.catalog.party_glns([r.gln]).get(r.gln)
        if owner is not None and owner != r.code:
            self.problems.append(
                where.problem("CONFLICT", f"GLN {r.gln} already belongs to party {show(owner)}")
            )

    def _locations(self, r: rules.LocationRecord, file: str, row: int) -> None:
        where = Where(file, row, "code")
        defined = self._define(self.locations, r.code, where, f"location {r.code}")
        if defined and self.catalog.locations([r.code]):
            self._conflict(where, f"location {r.code} is already in the database")
        if r.parent_code:
            self._location_parents.append((r.parent_code, Where(file, row, "parent_code")))

    def _check_location_parents(self) -> None:
        for parent, where in self._location_parents:
            self._need_location(parent, where)

    def _need_location(self, code: str, where: Where) -> None:
        """A location named by a row (if it names one) is in the file or the database."""
        if code and not self.location_known(code):
            self.problems.append(
                where.problem(
                    "NOT_FOUND",
                    f"location {code!r} is neither in locations.csv nor in the database",
                )
            )

    def _boms(self, r: rules.BomLine, file: str, row: int) -> None:
        where = Where(file, row, "component_sku")
        key = (r.sku, r.revision, r.component_sku)
        if not self._define(
            self.bom_lines, key, where, f"{r.component_sku} in {r.sku} rev {r.revision}"
        ):
            return
        self._need_product(r.sku, Where(file, row, "sku"))
        self._need_product(r.component_sku, where)
        self.components_of(r.sku)
        if (r.sku, r.revision) in self._db_revisions:
            self._conflict(
                Where(file, row, "revision"),
                f"BOM revision {r.sku} rev {r.revision} is already in the database",
            )
        self.bom_components[r.sku].add(r.component_sku)

    def _lots(self, r: rules.LotRecord, file: str, row: int) -> None:
        where = Where(file, row, "lot_number")
        key = (r.sku, r.lot_number)
        if not self._define(self.lots, key, where, f"lot {r.sku} {r.lot_number}"):
            return
        self._pending_lots.append((key, where, False))
        self._need_product(r.sku, Where(file, row, "sku"), "LOT")
        if r.supplier_code and self.party_kind(r.supplier_code) is None:
            self.problems.append(
                Where(file, row, "supplier_code").problem(
                    "NOT_FOUND",
                    f"party {r.supplier_code!r} is neither in parties.csv nor in the database",
                )
            )
        self._need_location(r.location_code, Where(file, row, "location_code"))
        if len(self._pending_lots) >= CHUNK:
            self._flush()

    def _units(self, r: rules.UnitRecord, file: str, row: int) -> None:
        where = Where(file, row, "serial")
        key = (r.sku, r.serial)
        info = self._need_product(r.sku, Where(file, row, "sku"), "SERIAL")
        if info is not None:
            compiled = md.compile_pattern(info.serial_pattern or md.DEFAULT_SERIAL_PATTERN)
            if not compiled.fullmatch(r.serial):
                self.problems.append(
                    where.problem(
                        "PATTERN_MISMATCH",
                        f"{show(r.serial, 40)} does not match {r.sku}'s serial pattern "
                        f"{show(info.serial_pattern, 60)}",
                    )
                )
            missing = [a for a in info.required_attributes if a not in r.attributes]
            if missing:
                self.problems.append(
                    Where(file, row, "attributes").problem(
                        "MISSING_VALUE", f"required attributes missing: {', '.join(missing)}"
                    )
                )
            if info.uniqueness == "GLOBAL":
                self._define(
                    self.global_serials,
                    r.serial,
                    where,
                    f"serial {r.serial} (unique across products)",
                )
        if not self._define(self.units, key, where, f"unit {_unit(key)}"):
            return
        self._pending_units.append((key, where, False))
        self._need_location(r.location_code, Where(file, row, "location_code"))
        if r.location_code and info is not None:
            self._unit_location(r, info, Where(file, row, "location_code"))
        if len(self._pending_units) >= CHUNK:
            self._flush()

    def _unit_location(self, r: rules.UnitRecord, info: ProductInfo, where: Where) -> None:
        """A location puts a unit into stock there (rules.in_stock); a unit that cannot
        be stock is refused, not registered silently without its location."""
        if rules.in_stock(r.status, info.kind, r.location_code):
            return
        if r.status == "SCRAPPED":
            message = "a SCRAPPED unit is in no stock; leave location_code empty"
        else:
            message = (
                f"a {r.status} unit of {r.sku} (made here) is work in progress, not stock: "
                "it enters stock when completed; leave location_code empty"
            )
        self.problems.append(where.problem("BAD_VALUE", message))

    def _genealogy(self, r: rules.GenealogyRecord, file: str, row: int) -> None:
        self._need_unit(r.parent, Where(file, row, "parent_serial"))
        component_where = Where(file, row, "component_serial" if r.component_unit else "lot_number")
        if r.component_unit is not None:
            self._need_unit(r.component_unit, component_where)
        elif r.component_lot is not None:
            self._need_lot(r.component_lot, component_where)
        component_sku = r.component_sku
        if component_sku and component_sku not in self.components_of(r.parent[0]):
            self.problems.append(
                Where(file, row, "component_sku" if r.component_unit else "lot_sku").problem(
                    "NOT_IN_BOM", f"{component_sku} is in no BOM revision of {r.parent[0]}"
                )
            )
        if r.component_unit is not None and r.removed_at is None:
            current = self.current_parent.get(r.component_unit)
            if current is not None and current[0] == r.parent:
                self.problems.append(
                    component_where.problem(
                        "DUPLICATE",
                        f"{_unit(r.component_unit)} is installed in {_unit(r.parent)} already "
                        f"({current[1].file} row {current[1].row})",
                    )
                )
            elif current is not None:
                self.problems.append(
                    component_where.problem(
                        "TWO_PARENTS",
                        f"{_unit(r.component_unit)} is also installed in {_unit(current[0])} "
                        f"({current[1].file} row {current[1].row}); "
                        "give the earlier one removed_at",
                    )
                )
            else:
                self.current_parent[r.component_unit] = (r.parent, component_where)
                self.edges[r.parent].append((r.component_unit, component_where))
                self._pending_parents.append((r.component_unit, r.parent, component_where))
        if len(self._pending_units) >= CHUNK or len(self._pending_parents) >= CHUNK:
            self._flush()

    def _operations(self, r: rules.OperationRecord, file: str, row: int) -> None:
        self._need_unit(r.unit, Where(file, row, "serial"))
        if len(self._pending_units) >= CHUNK:
            self._flush()

    def _shipments(self, r: rules.ShipmentRecord, file: str, row: int) -> None:
        where = Where(file, row, "serial")
        self._need_unit(r.unit, where)
        self._define(self.shipped, r.unit, where, f"shipment of unit {_unit(r.unit)}")
        kind = self.party_kind(r.customer_code)
        if kind is None:
            self.problems.append(
                Where(file, row, "customer_code").problem(
                    "NOT_FOUND",
                    f"party {r.customer_code!r} is neither in parties.csv nor in the database",
                )
            )
        elif kind != "CUSTOMER":
            self.problems.append(
                Where(file, row, "customer_code").problem(
                    "BAD_VALUE", f"party {r.customer_code} is a {kind}, not a CUSTOMER"
                )
            )
        if len(self._pending_units) >= CHUNK:
            self._flush()

    # --- genealogy cycles -----------------------------------------------------------------

    def _check_cycles(self) -> None:
        """An edge that closes a loop (a unit inside itself, at any depth) is reported at
        its own row; found with an iterative depth-first walk (no recursion limit)."""
        state: dict[UnitKey, int] = {}  # 1 on the walk's path, 2 done
        for root in list(self.edges):
            if state.get(root):
                continue
            state[root] = 1
            stack: list[tuple[UnitKey, Iterator[tuple[UnitKey, Where]]]] = [
                (root, iter(self.edges[root]))
            ]
            while stack:
                node, children = stack[-1]
                step = next(children, None)
                if step is None:
                    state[node] = 2
                    stack.pop()
                    continue
                child, where = step
                if state.get(child) == 1:
                    self.problems.append(
                        where.problem(
                            "CYCLE",
                            f"installing {_unit(child)} in {_unit(node)} closes a loop: "
                            f"{_unit(child)} contains {_unit(node)}",
                        )
                    )
                elif not state.get(child):
                    state[child] = 1
                    stack.append((child, iter(self.edges.get(child, ()))))
