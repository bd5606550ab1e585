"""Synthetic factory generator: builds the benchmark's "factory" dataset through the four
services' real gRPC APIs, sized by a unit count.

Every fact goes in through the door a real client would use (products, BOMs, routes,
receipts, work orders, commissioning, operation records, installs, completion,
packing, shipping, holds), so every business rule and audit entry applies
and the data is what the services themselves would hold after a real production run.
Nothing writes a service's tables directly.

Shape of the dataset, for N finished units (the full benchmark size is N = 100,000):
  - a finished product and a subassembly, both serialized, with GS1 GTINs;
  - 13 lot-tracked materials: 8 in the finished product's BOM (beside the
    subassembly), 5 in the subassembly's; BOM revisions created and approved;
  - routes: 6 operations for the finished product, 2 for the subassembly;
  - suppliers, 3 customers, a site, a warehouse with bins and a production line;
  - material lots (300 at full size, fewer for small runs), received into stock;
  - each finished unit: its subassembly (5 lots installed, 2 operations, completed
    into the central stores, then issued from there into its finished unit), then 8
    lots and the subassembly installed, 6 operations with measurements, completed
    into the finished-goods bin (completion is the goods receipt); lots are picked
    with a skewed (Zipf) weighting so a few lots reach a large share of the units, as
    real high-runner lots do;
  - finished units packed in that bin 10 to a carton and 40 cartons to a
    pallet (fewer in small runs, so there are at least five pallets); about two
    thirds of the pallets shipped, customers in turn; the rest stays in stock;
  - optionally one quality hold on a material lot.

Deterministic: the same `units` and `seed` give the same lot choices, measurements and
shipments whatever the prefix, thread scheduling or timing (and unit n gets the same
lots in any run with the same seed and lot count). Every mutating call carries an
idempotency key derived from the prefix, the step and the unit, so re-running a build
that crashed replays what was done and continues (idempotency keys, docs/business-rules.md).

Used by the benchmark (1,000 or 100,000 units on PostgreSQL); `make run`'s demo data
goes in through the graph instead (serialtrace.gateway.demo). Speed is the services':
units are built 25 at a time, and each step is one call for all 25 (InstallKits,
RecordOperations, CompleteUnits), so the per-call costs (transaction, idempotency, audit
append, the holds check) are paid once per batch; each kit still goes in all or none,
with one warehouse issue.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from serialtrace.common import gs1
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

__all__ = [
    "FACTORY",
    "RECALL",
    "SHAPES",
    "FactoryError",
    "FactoryPlan",
    "FactoryReport",
    "Shape",
    "build_factory",
    "factory_exists",
    "plan_factory",
]

SERVICES = ("masterdata", "production", "warehouse", "quality")

FULL_UNITS = 100_000
FULL_LOTS = 300  # 300 material lots at 100k units
MIN_LOTS_PER_SKU = 2
ZIPF_EXPONENT = 1.0  # 23 lots a SKU at full size: the top lot reaches ~27% of the units
COMMISSION_BATCH = 5_000  # the bulk path's sweet spot (5,000 serials a call, bench/README.md)
# Finished units built together, each step one call for all of them (InstallKits,
# RecordOperations, CompleteUnits): 6 production calls per 25 units instead of per unit.
UNITS_PER_CALL = 25
UNITS_PER_CARTON = 10
MAX_CARTONS_PER_PALLET = 40
MIN_PALLETS = 5  # small runs get smaller pallets, so some stay in stock unshipped
SHIPPED_SHARE = 0.65
CALL_TIMEOUT = 60.0
BULK_TIMEOUT = 300.0  # 5,000-unit commissions on a loaded machine
ATTEMPTS = 5
# UNAVAILABLE is also what a service answers when a transaction collided with a
# concurrent one (deadlock, serialization failure) and was rolled back; retrying with the
# same idempotency key is the documented remedy, and is safe for every call here.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED})
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,19}")

FINISHED_ROUTE = ("ASSEMBLY", "FLASH", "ICT", "FUNCTIONAL", "BURN-IN", "FINAL-QC")
SUB_ROUTE = ("SMT", "AOI")
CARRIERS = ("DHL", "UPS", "DB Schenker")
# GS1's documentation example company prefix, as the warehouse's development default;
# item references below are derived from the factory prefix so GTINs never collide.
GTIN_COMPANY_PREFIX = "0614141"


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    kind: md.ProductKind
    quantity: float  # per parent unit, as in the BOM; binary fractions add up exactly
    supplier: int  # index into SUPPLIERS


SUPPLIERS = (
    ("POLY", "Polymer Works"),
    ("FASTEN", "Fasten AG"),
    ("ELECTRO", "Electro Components Ltd"),
    ("PACKCO", "PackCo"),
)
CUSTOMERS = (
    ("ACME", "ACME Retail"),
    ("NORTH", "North Distribution"),
    ("OCEANIC", "Oceanic Trading"),
)
FINISHED_MATERIALS = (
    Material("HOUSING", "Polycarbonate housing", md.PRODUCT_KIND_COMPONENT, 1, 0),
    Material("GASKET", "Silicone gasket", md.PRODUCT_KIND_COMPONENT, 1, 0),
    Material("SCREW", "M3 screw", md.PRODUCT_KIND_COMPONENT, 4, 1),
    Material("THERMAL", "Thermal paste (g)", md.PRODUCT_KIND_MATERIAL, 0.5, 0),
    Material("BATTERY", "Li-ion cell", md.PRODUCT_KIND_COMPONENT, 1, 2),
    Material("CABLE", "Power cable", md.PRODUCT_KIND_COMPONENT, 1, 2),
    Material("LABEL", "Rating label", md.PRODUCT_KIND_MATERIAL, 2, 3),
    Material("BOX", "Retail box", md.PRODUCT_KIND_MATERIAL, 1, 3),
)
SUB_MATERIALS = (
    Material("PCB", "Bare PCB", md.PRODUCT_KIND_COMPONENT, 1, 2),
    Material("SOLDER", "Solder paste (g)", md.PRODUCT_KIND_MATERIAL, 0.25, 2),
    Material("MCU", "Microcontroller", md.PRODUCT_KIND_COMPONENT, 1, 2),
    Material("CAP", "Capacitor 10uF", md.PRODUCT_KIND_COMPONENT, 8, 2),
    Material("CONN", "Board connector", md.PRODUCT_KIND_COMPONENT, 2, 1),
)
MATERIALS = FINISHED_MATERIALS + SUB_MATERIALS


@dataclass(frozen=True)
class Shape:
    """What each finished unit is made of and goes through. "factory" is the full dataset
    above; "recall" reaches one lot in every unit cheaply, so whereUsed and createRecall
    are measured at 30,000 units and more in minutes of generation: one lot-tracked
    material with a single lot, no subassembly, no operation records, and the lot's
    installations through production's bulk genealogy import (ImportComponentLinks, 500
    a call, one ancestry statement a unit) rather than kit by kit with a warehouse issue
    each; completion (into stock), packing and shipping as in the factory."""

    name: str
    finished_materials: tuple[Material, ...]
    sub_materials: tuple[Material, ...]  # empty: the finished units have no subassembly
    finished_route: tuple[str, ...]
    sub_route: tuple[str, ...]
    units_per_call: int
    lots_per_sku: int | None = None  # None: lot_count's square-root scale
    imported_genealogy: bool = False  # installations by ImportComponentLinks, not kits

    @property
    def materials(self) -> tuple[Material, ...]:
        return self.finished_materials + self.sub_materials


FACTORY = Shape(
    "factory", FINISHED_MATERIALS, SUB_MATERIALS, FINISHED_ROUTE, SUB_ROUTE, UNITS_PER_CALL
)
RECALL = Shape(
    "recall",
    (Material("CELL", "Li-ion cell", md.PRODUCT_KIND_COMPONENT, 1, 2),),
    (),
    (),
    (),
    units_per_call=500,  # ImportComponentLinks and CompleteUnits take up to 1,000
    lots_per_sku=1,
    imported_genealogy=True,
)
# When the recall shape's installations happened (imports carry their source time).
IMPORTED_AT = datetime.datetime(2026, 1, 5, 6, 0, tzinfo=datetime.UTC)
SHAPES = {shape.name: shape for shape in (FACTORY, RECALL)}


class FactoryError(RuntimeError):
    """A call the generator made failed; the message names the call, the step and why."""


@dataclass(frozen=True)
class FactoryReport:
    units: int  # finished units built
    seconds: float  # wall time of generation
    # Per service, what was created, e.g. {"masterdata": {"products": 15, ...}, ...}.
    rows: dict[str, dict[str, int]]
    finished_sku: str
    sample_units: list[tuple[str, str]]  # a few (sku, serial) finished units, the first shipped
    most_used_lot: tuple[str, str]  # (sku, lot_number) reaching the most finished units
    hold_id: str | None


# --- the plan: every random choice, made up front ----------------------------------


@dataclass(frozen=True)
class FactoryPlan:
    """What a build will create, computed without any call: names, lots, which lot each
    unit gets, packing and shipping. Deterministic in (units, seed); the prefix only
    names things."""

    prefix: str
    units: int
    seed: int
    # Per material (the shape's, in order): its lot numbers, and per finished unit the
    # index of the lot it gets (for subassembly materials: the lot its subassembly gets).
    lot_numbers: tuple[tuple[str, ...], ...]
    choices: tuple[tuple[int, ...], ...]
    cartons_per_pallet: int
    cartons: int
    pallets: int
    shipped_pallets: int
    usage: dict[tuple[str, str], int] = field(repr=False)
    shape: Shape = FACTORY

    @property
    def materials(self) -> tuple[Material, ...]:
        return self.shape.materials

    @property
    def has_subassembly(self) -> bool:
        return bool(self.shape.sub_materials)

    @property
    def finished_sku(self) -> str:
        return f"{self.prefix}-FIN"

    @property
    def sub_sku(self) -> str:
        return f"{self.prefix}-SUB"

    def material_sku(self, material: Material) -> str:
        return f"{self.prefix}-{material.code}"

    def lot_of(self, unit: int, material_index: int) -> tuple[str, str]:
        """(sku, lot_number) of one material in finished unit `unit` (0-based)."""
        material = self.materials[material_index]
        number = self.lot_numbers[material_index][self.choices[material_index][unit]]
        return self.material_sku(material), number

    def lots(self) -> Iterator[tuple[int, str, str]]:
        """(material index, sku, lot_number) of every lot."""
        for m, material in enumerate(self.materials):
            for number in self.lot_numbers[m]:
                yield m, self.material_sku(material), number

    @property
    def most_used_lot(self) -> tuple[str, str]:
        # Ties go to the first in SKU and lot order, so the answer is stable.
        return min(self.usage, key=lambda lot: (-self.usage[lot], lot))

    def hold_lot(self) -> tuple[str, str]:
        """A lot to hold: not the most used one, used by ~2% of the units (at least one),
        so a hold on it is visible without freezing the factory."""
        top = self.most_used_lot
        target = max(1.0, self.units * 0.02)
        used = [lot for lot, n in self.usage.items() if n > 0 and lot != top]
        if not used:
            raise FactoryError("every unit uses the same lots; there is no other lot to hold")
        return min(used, key=lambda lot: (abs(self.usage[lot] - target), lot))

    def pallet_of_carton(self, carton: int) -> int:
        return carton // self.cartons_per_pallet

    def shipped(self, unit: int) -> bool:
        """Whether finished unit `unit` (0-based) ships."""
        carton = unit // UNITS_PER_CARTON
        if carton >= self.cartons:  # a loose unit after the last full carton
            return self.cartons == 0 and unit == 0
        return self.pallet_of_carton(carton) < self.shipped_pallets


def lot_count(units: int, shape: Shape = FACTORY) -> int:
    """Material lots for a run: 300 at 100k units, fewer (by the square root, so small
    runs still have several lots a SKU to trace), at least 2 a SKU; or the shape's fixed
    number a SKU."""
    if shape.lots_per_sku is not None:
        return shape.lots_per_sku * len(shape.materials)
    floor = MIN_LOTS_PER_SKU * len(shape.materials)
    return min(FULL_LOTS, max(floor, round(FULL_LOTS * math.sqrt(units / FULL_UNITS))))


def plan_factory(
    units: int, seed: int = 7, prefix: str = "DEMO", shape: Shape = FACTORY
) -> FactoryPlan:
    """The plan `build_factory` follows for these arguments (no call is made), e.g. to
    know beforehand which units contain a lot, or which units ship."""
    if units < 1:
        raise ValueError(f"a factory needs at least one unit, got {units}")
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"prefix {prefix!r} must be 1-20 letters, digits or '-', starting with a letter "
            "or digit"
        )
    materials = shape.materials
    total = lot_count(units, shape)
    per_sku = [
        total // len(materials) + (1 if m < total % len(materials) else 0)
        for m in range(len(materials))
    ]
    lot_numbers: list[tuple[str, ...]] = []
    choices: list[tuple[int, ...]] = []
    usage: dict[tuple[str, str], int] = {}
    for m, material in enumerate(materials):
        # One stream per material, and one draw per unit in unit order: unit n gets the
        # same lots in any factory of the same seed and lot count, whatever its size.
        # Synthetic data, not security: a seeded PRNG is the point (reproducible datasets).
        rng = random.Random(f"{seed}:{material.code}")  # noqa: S311
        count = per_sku[m]
        numbers = tuple(f"{material.code}-{n + 1:03d}" for n in range(count))
        # Which lot is the high runner is itself random: ranks shuffled per SKU.
        ranks = list(range(count))
        rng.shuffle(ranks)
        weights = [1 / (ranks[n] + 1) ** ZIPF_EXPONENT for n in range(count)]
        picked = tuple(rng.choices(range(count), weights=weights, k=units))
        lot_numbers.append(numbers)
        choices.append(picked)
        sku = f"{prefix}-{material.code}"
        counts = [0] * count
        for n in picked:
            counts[n] += 1
        usage.update({(sku, numbers[n]): counts[n] for n in range(count)})
    cartons = units // UNITS_PER_CARTON
    per_pallet = min(MAX_CARTONS_PER_PALLET, max(1, cartons // MIN_PALLETS))
    pallets = math.ceil(cartons / per_pallet) if cartons else 0
    shipped = min(pallets, max(1, round(pallets * SHIPPED_SHARE))) if pallets else 0
    return FactoryPlan(
        prefix=prefix,
        units=units,
        seed=seed,
        lot_numbers=tuple(lot_numbers),
        choices=tuple(choices),
        cartons_per_pallet=per_pallet,
        cartons=cartons,
        pallets=pallets,
        shipped_pallets=shipped,
        usage=usage,
        shape=shape,
    )


def gtin_for(prefix: str, item: int) -> str:
    """A valid GTIN-14 for product `item` (0-9) of this factory: the item reference is
    derived from the prefix, so factories loaded side by side do not share GTINs."""
    base = int(hashlib.sha256(prefix.encode()).hexdigest()[:8], 16) % 10_000
    body = f"0{GTIN_COMPANY_PREFIX}{base * 10 + item:05d}"
    return body + str(gs1.gs1_check_digit(body))


# --- calls ------------------------------------------------------------------------

_Response = TypeVar("_Response", bound=Message)


class _Services:
    """The four services' stubs, one channel each (gRPC channels are thread safe), and
    one way to call them: bearer token, deadline, retry of collisions, loud failures."""

    def __init__(self, addrs: Mapping[str, str], bearer: str, log: Callable[[str], None]) -> None:
        missing = [name for name in SERVICES if name not in addrs]
        if missing:
            raise ValueError(f"no address for: {', '.join(missing)}")
        self._channels = {name: grpc.insecure_channel(addrs[name]) for name in SERVICES}
        self._stubs: dict[str, Any] = {
            "masterdata": md_grpc.MasterdataServiceStub(self._channels["masterdata"]),
            "production": pp_grpc.ProductionServiceStub(self._channels["production"]),
            "warehouse": wh_grpc.WarehouseServiceStub(self._channels["warehouse"]),
            "quality": qa_grpc.QualityServiceStub(self._channels["quality"]),
        }
        self._metadata = (("authorization", f"Bearer {bearer}"),)
        self._log = log
        self._lock = threading.Lock()
        self.retries = 0

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()

    def call(
        self,
        service: str,
        method: str,
        request: Message,
        response: type[_Response],
        what: str,
        timeout: float = CALL_TIMEOUT,
    ) -> _Response:
        rpc = getattr(self._stubs[service], method)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result = rpc(request, metadata=self._metadata, timeout=timeout)
            except grpc.RpcError as exc:
                code = exc.code() if isinstance(exc, grpc.Call) else None
                details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
                if code in RETRYABLE and attempt < ATTEMPTS:
                    self._note_retry(service, method, what, details)
                    time.sleep(0.1 * 2**attempt)
                    continue
                name = code.name if code else "ERROR"
                raise FactoryError(
                    f"{service}.{method} failed while {what}: {name}: {details}"
                ) from exc
            if not isinstance(result, response):
                raise FactoryError(f"{service}.{method} answered a {type(result).__name__}")
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _note_retry(self, service: str, method: str, what: str, details: str) -> None:
        with self._lock:
            self.retries += 1
            first = self.retries <= 3
        if first:  # a few for the log; the total is in the summary
            self._log(f"  retrying {service}.{method} ({what}): {details}")


def factory_exists(addrs: Mapping[str, str], bearer: str, prefix: str = "DEMO") -> bool:
    """Whether the factory's finished product `<prefix>-FIN` exists in masterdata."""
    channel = grpc.insecure_channel(addrs["masterdata"])
    try:
        stub = md_grpc.MasterdataServiceStub(channel)
        try:
            found = stub.BatchGetProducts(
                md.BatchGetProductsRequest(skus=[f"{prefix}-FIN"]),
                metadata=(("authorization", f"Bearer {bearer}"),),
                timeout=CALL_TIMEOUT,
            )
        except grpc.RpcError as exc:
            details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
            raise FactoryError(f"masterdata.BatchGetProducts failed: {details}") from exc
        return any(p.sku == f"{prefix}-FIN" for p in found.products)
    finally:
        channel.close()


# --- the build ----------------------------------------------------------------------


def _unit(sku: str, serial: str) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=sku, serial=serial)


def _name(unit: core_pb2.UnitKey) -> str:
    return f"{unit.sku}/{unit.serial}"


def _refused(method: str, outcomes: Sequence[Any], items: Sequence[str]) -> None:
    """Raises on the first item of a batch call that was refused, naming it."""
    for outcome, item in zip(outcomes, items, strict=True):
        if outcome.HasField("error"):
            raise FactoryError(
                f"production.{method} refused {item}: {outcome.error.code}: {outcome.error.message}"
            )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _parallel(
    pool: ThreadPoolExecutor,
    work: Callable[[int], None],
    count: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Runs work(0..count-1) on the pool; the first failure cancels what has not started
    and is raised (work already running ends when the pool shuts down: threads cannot
    be interrupted)."""
    futures: list[Future[None]] = [pool.submit(work, i) for i in range(count)]
    done_count = 0
    pending: set[Future[None]] = set(futures)
    try:
        while pending:
            done, pending = wait(pending, timeout=5, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # raises the work's exception
            done_count += len(done)
            if progress is not None and done:
                progress(done_count)
    finally:
        for future in pending:
            future.cancel()


@dataclass
class _Counters:
    rows: dict[str, dict[str, int]]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, what: str, n: int = 1) -> None:
        with self.lock:
            counts = self.rows.setdefault(service, {})
            counts[what] = counts.get(what, 0) + n


# What the factory creates in masterdata one at a time: the RPC, its request and reply,
# and the count it adds to.
_CREATES: dict[str, tuple[str, Any, Any, str]] = {
    "location": (
        "CreateLocation",
        md.CreateLocationRequest,
        md.CreateLocationResponse,
        "locations",
    ),
    "party": ("CreateParty", md.CreatePartyRequest, md.CreatePartyResponse, "parties"),
    "product": ("CreateProduct", md.CreateProductRequest, md.CreateProductResponse, "products"),
}


class _Build:
    def __init__(
        self,
        services: _Services,
        plan: FactoryPlan,
        pool: ThreadPoolExecutor,
        log: Callable[[str], None],
    ) -> None:
        self.s, self.plan, self.pool, self.log = services, plan, pool, log
        self.p = plan.prefix
        # the codes of the places it registers
        self.site = f"{self.p}-SITE"
        self.stores = f"{self.p}-WH"
        self.fg_bin = f"{self.p}-BIN-FG"
        self.line = f"{self.p}-LINE-1"
        self.counters = _Counters(
            {name: {} for name in SERVICES}  # every service present, even if untouched
        )
        self.started = time.monotonic()
        self.subs: list[str] = []  # serials, by finished-unit index
        self.finished: list[str] = []
        self.cartons: list[str] = []  # SSCCs, by carton index
        self.pallets: list[str] = []

    # names
    def key(self, *parts: object) -> str:
        return ":".join(("factory", self.p, *(str(p) for p in parts)))

    def rm_bin(self, n: int) -> str:
        return f"{self.p}-BIN-RM{n % 4 + 1}"

    def supplier(self, n: int) -> str:
        return f"{self.p}-{SUPPLIERS[n][0]}"

    def customer(self, n: int) -> str:
        return f"{self.p}-{CUSTOMERS[n % len(CUSTOMERS)][0]}"

    @contextmanager
    def phase(self, name: str) -> Iterator[dict[str, int]]:
        counts: dict[str, int] = {}
        start = time.monotonic()
        yield counts
        took = time.monotonic() - start
        shown = ", ".join(f"{v:,} {k}" for k, v in counts.items())
        self.log(
            f"[factory {self.p}] {name}: {shown} in {took:.1f}s "
            f"(total {time.monotonic() - self.started:.1f}s)"
        )

    # --- phases ---------------------------------------------------------------------

    def master_data(self) -> None:
        with self.phase("master data") as counts:
            self._locations()
            self._parties()
            self._products()
            self._boms()
            self._routes()
            counts.update(
                self.counters.rows["masterdata"],
                routes=self.counters.rows["production"]["routes"],
            )

    def _locations(self) -> None:
        locations = [
            (self.site, "Plant", md.LOCATION_KIND_SITE, ""),
            (self.stores, "Central stores", md.LOCATION_KIND_WAREHOUSE, self.site),
            *(
                (self.rm_bin(n), f"Raw material bin {n + 1}", md.LOCATION_KIND_BIN, self.stores)
                for n in range(4)
            ),
            (self.fg_bin, "Finished goods", md.LOCATION_KIND_BIN, self.stores),
            (self.line, "Assembly line 1", md.LOCATION_KIND_LINE, self.site),
        ]
        for code, name, kind, parent in locations:
            location = md.Location(code=code, name=name, kind=kind, parent_code=parent)
            self._create("location", code, location)

    def _parties(self) -> None:
        parties = [
            *(
                (self.supplier(n), name, md.PARTY_KIND_SUPPLIER)
                for n, (_, name) in enumerate(SUPPLIERS)
            ),
            *(
                (self.customer(n), name, md.PARTY_KIND_CUSTOMER)
                for n, (_, name) in enumerate(CUSTOMERS)
            ),
        ]
        for code, name, kind in parties:
            self._create("party", code, md.Party(code=code, name=name, kind=kind))

    def _products(self) -> None:
        products = [
            md.Product(
                sku=self.plan.material_sku(m),
                name=m.name,
                kind=m.kind,
                tracking=md.TRACKING_MODE_LOT,
            )
            for m in self.plan.materials
        ]
        if self.plan.has_subassembly:
            products.append(
                self._serialized(
                    self.plan.sub_sku,
                    "Controller board assembly",
                    md.PRODUCT_KIND_SUBASSEMBLY,
                    1,
                    "S",
                )
            )
        products.append(
            self._serialized(
                self.plan.finished_sku, "Smart sensor hub", md.PRODUCT_KIND_FINISHED, 0, "F"
            )
        )
        for product in products:
            self._create("product", product.sku, product)

    def _create(self, what: str, code: str, message: Message) -> None:
        """masterdata's create of one location, party or product, keyed by its code."""
        method, request, response, counted = _CREATES[what]
        self.s.call(
            "masterdata",
            method,
            request(**{what: message}, idempotency_key=self.key(what, code)),
            response,
            f"creating {what} {code}",
        )
        self.counters.add("masterdata", counted)

    def _serialized(
        self, sku: str, name: str, kind: md.ProductKind, gtin_index: int, letter: str
    ) -> md.Product:
        """A serial-tracked product with the prefix's `gtin_index`th GTIN; its serials carry
        the prefix (so a scan of one is never ambiguous between factories sharing the
        databases) and its letter."""
        return md.Product(
            sku=sku,
            name=name,
            kind=kind,
            tracking=md.TRACKING_MODE_SERIAL,
            gtin=gtin_for(self.p, gtin_index),
            serial_pattern=rf"{re.escape(self.p)}-{letter}[0-9]{{7}}",
            serial_template=f"{self.p}-{letter}{{seq:07d}}",
        )

    def _boms(self) -> None:
        shape = self.plan.shape
        sub = [md.BomItem(sku=self.plan.sub_sku, quantity=1)] if self.plan.has_subassembly else []
        boms: list[tuple[str, tuple[Material, ...], list[md.BomItem]]] = []
        if self.plan.has_subassembly:
            boms.append((self.plan.sub_sku, shape.sub_materials, []))
        boms.append((self.plan.finished_sku, shape.finished_materials, sub))
        for sku, materials, extra in boms:
            items = [
                md.BomItem(sku=self.plan.material_sku(m), quantity=m.quantity) for m in materials
            ]
            self.s.call(
                "masterdata",
                "CreateBomRevision",
                md.CreateBomRevisionRequest(
                    sku=sku,
                    revision="A",
                    items=[*extra, *items],
                    idempotency_key=self.key("bom", sku, "A"),
                ),
                md.CreateBomRevisionResponse,
                f"creating BOM revision A of {sku}",
            )
            self.s.call(
                "masterdata",
                "ApproveBomRevision",
                md.ApproveBomRevisionRequest(
                    sku=sku,
                    revision="A",
                    meaning="released for production",
                    idempotency_key=self.key("bom-approval", sku, "A"),
                ),
                md.ApproveBomRevisionResponse,
                f"approving BOM revision A of {sku}",
            )
            self.counters.add("masterdata", "bom_revisions")

    def _routes(self) -> None:
        shape = self.plan.shape
        routes = [(self.plan.sub_sku, shape.sub_route)] if self.plan.has_subassembly else []
        for sku, route in [*routes, (self.plan.finished_sku, shape.finished_route)]:
            self.s.call(
                "production",
                "SetRoute",
                pp.SetRouteRequest(
                    route=pp.Route(sku=sku, operations=list(route)),
                    idempotency_key=self.key("route", sku),
                ),
                pp.SetRouteResponse,
                f"setting the route of {sku}",
            )
            self.counters.add("production", "routes")

    def receive_lots(self) -> None:
        lots = list(self.plan.lots())

        def receive(n: int) -> None:
            m, sku, number = lots[n]
            material = self.plan.materials[m]
            used = self.plan.usage[(sku, number)]
            # What the units will consume plus a little spare, so nothing runs short and
            # the stock left over looks like a real stores' remainders.
            quantity = material.quantity * (used + max(10, math.ceil(used * 0.02)))
            self.s.call(
                "warehouse",
                "ReceiveLot",
                wh.ReceiveLotRequest(
                    lot=core_pb2.LotKey(sku=sku, lot_number=number),
                    quantity=quantity,
                    supplier_code=self.supplier(material.supplier),
                    supplier_lot_number=f"{SUPPLIERS[material.supplier][0]}-{n + 1:05d}",
                    location_code=self.rm_bin(n),
                    idempotency_key=self.key("receive", sku, number),
                ),
                wh.ReceiveLotResponse,
                f"receiving lot {sku}/{number}",
            )
            self.counters.add("masterdata", "lots")
            self.counters.add("warehouse", "lot_receipts")

        with self.phase("material lots received") as counts:
            _parallel(self.pool, receive, len(lots))
            counts["lots"] = len(lots)

    def commission(self) -> None:
        with self.phase("work orders and commissioning") as counts:
            for batch, start in enumerate(range(0, self.plan.units, COMMISSION_BATCH)):
                size = min(COMMISSION_BATCH, self.plan.units - start)
                if self.plan.has_subassembly:
                    self.subs += self._commission(self.plan.sub_sku, batch, size, self.stores)
                self.finished += self._commission(self.plan.finished_sku, batch, size, self.fg_bin)
            counts["work orders"] = self.counters.rows["production"]["work_orders"]
            counts["units"] = len(self.subs) + len(self.finished)

    def _commission(self, sku: str, batch: int, size: int, output: str) -> list[str]:
        """A work order whose completed units enter stock at `output`, and its units."""
        order = self.s.call(
            "production",
            "CreateWorkOrder",
            pp.CreateWorkOrderRequest(
                sku=sku,
                quantity=size,
                bom_revision="A",
                line=self.line,
                output_location_code=output,
                idempotency_key=self.key("work-order", sku, batch),
            ),
            pp.CreateWorkOrderResponse,
            f"creating work order {batch + 1} for {sku}",
        ).work_order
        units = self.s.call(
            "production",
            "CommissionUnits",
            pp.CommissionUnitsRequest(
                work_order_id=order.id,
                count=size,
                attributes_json=json.dumps({"work_order": order.id, "line": self.line}),
                idempotency_key=self.key("commission", sku, batch),
            ),
            pp.CommissionUnitsResponse,
            f"commissioning {size} units of {sku} for {order.id}",
            timeout=BULK_TIMEOUT,
        ).units
        if len(units) != size:
            raise FactoryError(f"commissioning {size} units of {sku} returned {len(units)}")
        self.counters.add("production", "work_orders")
        self.counters.add("masterdata", "units", size)
        # Zero-padded serials from one sequence: sorted order is numbering order.
        return sorted(u.serial for u in units)

    def build_units(self) -> None:
        total = self.plan.units
        per_call = self.plan.shape.units_per_call
        batches = math.ceil(total / per_call)
        every = max(1, total // 10)
        start = time.monotonic()
        next_report = [every]

        def progress(batches_done: int) -> None:
            done = min(total, batches_done * per_call)
            if done >= next_report[0] and done < total:
                rate = done / max(1e-9, time.monotonic() - start)
                self.log(f"  built {done:,}/{total:,} units ({rate:.1f} units/s)")
                next_report[0] = (done // every + 1) * every

        with self.phase("units built (operations, installs, completion)") as counts:
            _parallel(self.pool, self._build_batch, batches, progress)
            rate = total / max(1e-9, time.monotonic() - start)
            subs = total if self.plan.has_subassembly else 0
            counts.update({"finished units": total, "subassemblies": subs, "units/s": round(rate)})

    def _build_batch(self, batch: int) -> None:
        """The shape's units a call of finished units, in shop-floor order, each step one
        call for the whole batch: the subassemblies' kits, tests and completion (if the
        shape has them), then the finished units' kits (each with its subassembly), tests
        and completion."""
        shape = self.plan.shape
        per_call = shape.units_per_call
        first = batch * per_call
        units = range(first, min(self.plan.units, first + per_call))
        # One stream a unit, drawn sub route first: unit n gets the same measurements
        # whatever the batch size.
        rngs = [random.Random(f"{self.plan.seed}:{n}") for n in units]  # noqa: S311
        fins = [_unit(self.plan.finished_sku, self.finished[n]) for n in units]
        subs: list[core_pb2.UnitKey | None] = [None] * len(fins)
        if self.plan.has_subassembly:
            built = [_unit(self.plan.sub_sku, self.subs[n]) for n in units]
            offset = len(shape.finished_materials)
            sub_materials = range(offset, offset + len(shape.sub_materials))
            self._install_kits(
                [
                    self._kit(sub, None, n, sub_materials, shape.sub_route[0])
                    for sub, n in zip(built, units, strict=True)
                ]
            )
            self._record(built, shape.sub_route, rngs)
            self._complete(built)
            subs = list(built)
        fin_materials = range(len(shape.finished_materials))
        if shape.imported_genealogy:
            self._import_links(fins, units, fin_materials)
        else:
            self._install_kits(
                [
                    self._kit(fin, sub, n, fin_materials, shape.finished_route[0])
                    for fin, sub, n in zip(fins, subs, units, strict=True)
                ]
            )
        if shape.finished_route:
            self._record(fins, shape.finished_route, rngs)
        self._complete(fins)

    def _kit(
        self,
        parent: core_pb2.UnitKey,
        sub: core_pb2.UnitKey | None,
        n: int,
        materials: range,
        op: str,
    ) -> pp.InstallComponentsRequest:
        """Unit n's lots of these materials (and its subassembly, if any) into `parent`."""
        components = [pp.ComponentToInstall(unit=sub)] if sub is not None else []
        for m in materials:
            sku, number = self.plan.lot_of(n, m)
            components.append(
                pp.ComponentToInstall(
                    lot=core_pb2.LotQuantity(
                        lot=core_pb2.LotKey(sku=sku, lot_number=number),
                        quantity=self.plan.materials[m].quantity,
                    )
                )
            )
        return pp.InstallComponentsRequest(
            parent=parent,
            components=components,
            operation=op,
            idempotency_key=self.key("kit", parent.serial),
        )

    def _import_links(
        self, fins: Sequence[core_pb2.UnitKey], units: range, materials: range
    ) -> None:
        """Each unit's lots of these materials, through production's genealogy import."""
        items = []
        for fin, n in zip(fins, units, strict=True):
            installed_at = Timestamp()
            installed_at.FromDatetime(IMPORTED_AT + datetime.timedelta(seconds=n))
            for m in materials:
                sku, number = self.plan.lot_of(n, m)
                items.append(
                    pp.ImportedComponentLink(
                        parent=fin,
                        component_lot=core_pb2.LotQuantity(
                            lot=core_pb2.LotKey(sku=sku, lot_number=number),
                            quantity=self.plan.materials[m].quantity,
                        ),
                        installed_at=installed_at,
                        installed_by="factory generator",
                        provenance=pp.ImportProvenance(
                            import_batch_id=self.key("links"),
                            file="links.csv",
                            row=n * len(materials) + m + 2,  # after the header row
                        ),
                        idempotency_key=self.key("link", fin.serial, m),
                    )
                )
        self._production_batch(
            pp.ImportComponentLinksRequest(items=items),
            f"importing the installations of {len(fins)} units from {_name(fins[0])}",
            [_name(i.parent) for i in items],
            timeout=BULK_TIMEOUT,
        )
        self.counters.add("production", "installs", len(items))

    def _production_batch(
        self, request: Message, doing: str, items: Sequence[str], timeout: float = CALL_TIMEOUT
    ) -> None:
        """One of production's batch RPCs (named by its request) that must take every item;
        `items` name them, in order, for the error of the first it refuses."""
        method = type(request).__name__.removesuffix("Request")
        response = getattr(pp, f"{method}Response")
        reply = self.s.call("production", method, request, response, doing, timeout=timeout)
        _refused(method, reply.outcomes, items)

    def _install_kits(self, kits: Sequence[pp.InstallComponentsRequest]) -> None:
        self._production_batch(
            pp.InstallKitsRequest(kits=kits),
            f"installing kits in {len(kits)} units from {_name(kits[0].parent)}",
            [f"the kit of {_name(k.parent)}" for k in kits],
        )
        self.counters.add("production", "installs", sum(len(k.components) for k in kits))

    def _record(
        self,
        units: Sequence[core_pb2.UnitKey],
        route: Sequence[str],
        rngs: Sequence[random.Random],
    ) -> None:
        """Each unit's passing records, one per route operation, all in one call."""
        items = [
            pp.RecordOperationRequest(
                unit=unit,
                operation=op,
                station=f"{self.line}/{op}",
                result=core_pb2.RESULT_PASS,
                # Timestamps are left to the service (it stamps the finish): a retry
                # must send the very same request for its key to replay.
                measurements_json=json.dumps(_measurements(op, rng), sort_keys=True),
                idempotency_key=self.key("operation", unit.serial, op),
            )
            for unit, rng in zip(units, rngs, strict=True)
            for op in route
        ]
        self._production_batch(
            pp.RecordOperationsRequest(items=items),
            f"recording {', '.join(route)} on {len(units)} units from {_name(units[0])}",
            [f"{i.operation} on {_name(i.unit)}" for i in items],
        )
        self.counters.add("production", "operations", len(items))

    def _complete(self, units: Sequence[core_pb2.UnitKey]) -> None:
        items = [
            pp.CompleteUnitRequest(unit=u, idempotency_key=self.key("complete", u.serial))
            for u in units
        ]
        self._production_batch(
            pp.CompleteUnitsRequest(items=items),
            f"completing {len(units)} units from {_name(units[0])}",
            [_name(u) for u in units],
            timeout=BULK_TIMEOUT,
        )
        self.counters.add("production", "completions", len(units))

    def pack(self) -> None:
        plan = self.plan
        self.cartons = [""] * plan.cartons
        self.pallets = [""] * plan.pallets

        def carton(c: int) -> None:
            serials = self.finished[c * UNITS_PER_CARTON : (c + 1) * UNITS_PER_CARTON]
            self.cartons[c] = self.s.call(
                "warehouse",
                "Pack",
                wh.PackRequest(
                    kind=wh.PACKAGE_KIND_CARTON,
                    units=[_unit(plan.finished_sku, s) for s in serials],
                    idempotency_key=self.key("carton", c),
                ),
                wh.PackResponse,
                f"packing carton {c + 1}",
            ).package.sscc
            self.counters.add("warehouse", "cartons")

        def pallet(p: int) -> None:
            first = p * plan.cartons_per_pallet
            ssccs = self.cartons[first : first + plan.cartons_per_pallet]
            self.pallets[p] = self.s.call(
                "warehouse",
                "Pack",
                wh.PackRequest(
                    kind=wh.PACKAGE_KIND_PALLET,
                    package_ssccs=ssccs,
                    idempotency_key=self.key("pallet", p),
                ),
                wh.PackResponse,
                f"packing pallet {p + 1}",
            ).package.sscc
            self.counters.add("warehouse", "pallets")

        with self.phase("packing") as counts:
            _parallel(self.pool, carton, plan.cartons)
            _parallel(self.pool, pallet, plan.pallets)
            counts.update(cartons=plan.cartons, pallets=plan.pallets)

    def ship(self) -> None:
        plan = self.plan

        def shipment(p: int) -> None:
            result = self.s.call(
                "warehouse",
                "CreateShipment",
                wh.CreateShipmentRequest(
                    customer_code=self.customer(p),
                    package_ssccs=[self.pallets[p]],
                    carrier=CARRIERS[p % len(CARRIERS)],
                    tracking_number=f"{self.p}-TRK-{p + 1:06d}",
                    idempotency_key=self.key("shipment", p),
                ),
                wh.CreateShipmentResponse,
                f"shipping pallet {p + 1} ({self.pallets[p]}) to {self.customer(p)}",
            )
            self.counters.add("warehouse", "shipments")
            self.counters.add("warehouse", "shipped_units", result.shipment.unit_count)

        with self.phase("shipping") as counts:
            _parallel(self.pool, shipment, plan.shipped_pallets)
            if plan.cartons == 0:
                # Too few units for a carton: the first one ships loose, so every
                # factory has a shipped unit to trace.
                result = self.s.call(
                    "warehouse",
                    "CreateShipment",
                    wh.CreateShipmentRequest(
                        customer_code=self.customer(0),
                        units=[_unit(plan.finished_sku, self.finished[0])],
                        carrier=CARRIERS[0],
                        tracking_number=f"{self.p}-TRK-LOOSE",
                        idempotency_key=self.key("shipment", "loose"),
                    ),
                    wh.CreateShipmentResponse,
                    f"shipping {plan.finished_sku}/{self.finished[0]} to {self.customer(0)}",
                )
                self.counters.add("warehouse", "shipments")
                self.counters.add("warehouse", "shipped_units", result.shipment.unit_count)
            counts.update(
                shipments=self.counters.rows["warehouse"].get("shipments", 0),
                units=self.counters.rows["warehouse"].get("shipped_units", 0),
            )

    def hold(self) -> str:
        sku, number = self.plan.hold_lot()
        with self.phase("quality hold") as counts:
            hold = self.s.call(
                "quality",
                "PlaceHold",
                qa.PlaceHoldRequest(
                    reason=f"Lot {number} of {sku}: supplier reported out-of-spec material",
                    lots=[core_pb2.LotKey(sku=sku, lot_number=number)],
                    idempotency_key=self.key("hold", sku, number),
                ),
                qa.PlaceHoldResponse,
                f"placing a hold on lot {sku}/{number}",
            ).hold
            self.counters.add("quality", "holds")
            counts["units covered"] = hold.unit_count
        return hold.id

    def sample_units(self) -> list[tuple[str, str]]:
        """The first unit (shipped), one still on a pallet in stock, and the last one."""
        plan = self.plan
        picks = [0]
        if plan.shipped_pallets < plan.pallets:
            picks.append(plan.shipped_pallets * plan.cartons_per_pallet * UNITS_PER_CARTON)
        picks.append(plan.units - 1)
        ordered = list(dict.fromkeys(picks))
        return [(plan.finished_sku, self.finished[i]) for i in ordered]


_OPERATION_MEASUREMENTS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "SMT": lambda r: {
        "reflow_peak_c": round(r.gauss(245, 2.5), 1),
        "paste_height_um": round(r.gauss(120, 6)),
    },
    "AOI": lambda r: {"components_checked": 212, "defects": 0, "false_calls": r.randint(0, 3)},
    "ASSEMBLY": lambda r: {"screw_torque_nm": round(r.gauss(0.6, 0.03), 3), "screws": 4},
    "FLASH": lambda r: {
        "firmware": "2.4.1",
        "image_crc_ok": True,
        "seconds": round(r.uniform(8, 14), 1),
    },
    "ICT": lambda r: {
        "rail_3v3_v": round(r.gauss(3.3, 0.02), 3),
        "rail_5v_v": round(r.gauss(5.0, 0.03), 3),
        "leakage_ua": round(abs(r.gauss(2.0, 0.6)), 2),
    },
    "FUNCTIONAL": lambda r: {
        "idle_current_ma": round(r.gauss(42, 1.5), 1),
        "rf_power_dbm": round(r.gauss(14, 0.4), 2),
        "sensor_offset": round(r.gauss(0, 0.05), 3),
    },
    "BURN-IN": lambda r: {"hours": 4, "max_temp_c": round(r.gauss(61, 1.2), 1), "resets": 0},
    "FINAL-QC": lambda r: {"visual": "OK", "weight_g": round(r.gauss(318, 1.8), 1)},
}


def _measurements(op: str, rng: random.Random) -> dict[str, Any]:
    values = _OPERATION_MEASUREMENTS[op](rng)
    values["cycle_s"] = round(rng.uniform(20, 90), 1)
    return values


def build_factory(
    addrs: Mapping[str, str],
    bearer: str,
    units: int,
    *,
    seed: int = 7,
    prefix: str = "DEMO",
    workers: int = 8,
    place_hold: bool = False,
    log: Callable[[str], None] = print,
    before_stock_moves: Callable[[], None] = lambda: None,
    shape: Shape = FACTORY,
) -> FactoryReport:
    """Builds the factory of `units` finished units through the services' gRPC APIs.

    `bearer` must carry the admin role. Raises FactoryError naming the failed call if any
    call fails (after retrying collisions); re-running with the same arguments after a
    failure continues where it stopped, replaying what was already done.
    `before_stock_moves` runs once the units are built, before the warehouse phases.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    plan = plan_factory(units, seed, prefix, shape)
    started = time.monotonic()
    log(
        f"[factory {prefix}] building {units:,} units of shape {shape.name} (seed {seed}, "
        f"{workers} workers, "
        f"{sum(len(n) for n in plan.lot_numbers)} lots)"
    )
    services = _Services(addrs, bearer, log)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="factory") as pool:
            build = _Build(services, plan, pool, log)
            build.master_data()
            build.receive_lots()
            build.commission()
            build.build_units()
            before_stock_moves()
            build.pack()
            build.ship()
            hold_id = build.hold() if place_hold else None
    finally:
        services.close()
    seconds = time.monotonic() - started
    log(
        f"[factory {prefix}] done: {units:,} units in {seconds:.1f}s "
        f"({units / max(seconds, 1e-9):.1f} units/s overall, {services.retries} retried calls)"
    )
    return FactoryReport(
        units=units,
        seconds=seconds,
        rows={name: dict(counts) for name, counts in build.counters.rows.items()},
        finished_sku=plan.finished_sku,
        sample_units=build.sample_units(),
        most_used_lot=plan.most_used_lot,
        hold_id=hold_id,
    )
