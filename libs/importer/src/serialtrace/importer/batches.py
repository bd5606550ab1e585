"""Applying a checked directory as one import batch, verifying it, listing batches.

Every row is sent with an idempotency key made of the batch id, the file and the row,
so a run that was killed and is started again resends what it had sent, gets the first
answers back, and writes each row exactly once. The batch itself is found again by the
files' SHA-256 and its name.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from google.protobuf.timestamp_pb2 import Timestamp

from serialtrace.common.errors import ServiceError, error_of
from serialtrace.common.protomap import enum_str, enum_value
from serialtrace.core.v1 import core_pb2
from serialtrace.importer import rules
from serialtrace.importer.checking import Checker
from serialtrace.importer.kinds import STAGE
from serialtrace.importer.problems import NO_COLUMN, Problem
from serialtrace.importer.reading import Row, Table, open_directory
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

# Items per bulk call: the most the services take (fewer round trips, statements and
# ledger appends per row; a call of 1,000 installations stays well under a second).
CHUNK = 1_000
# Chunks read and parsed ahead while the services work on the ones sent.
READ_AHEAD = 2
# Calls of one file under way at once (answers read in order): one service judges and
# writes a chunk while the next travels, a follow-up (a build, a receipt) goes to another
# service, and the importer builds the one after. Bounded: the services share the cores.
IN_FLIGHT = 3
MADE_HERE = rules.MADE_HERE
# Which service counts a file's facts, and under which entity type.
FACTS: dict[str, tuple[str, str]] = {
    "products": ("masterdata", "product"),
    "parties": ("masterdata", "party"),
    "locations": ("masterdata", "location"),
    "boms": ("masterdata", "bom_item"),
    "lots": ("masterdata", "lot"),
    "units": ("masterdata", "unit"),
    "genealogy": ("production", "component_link"),
    "operations": ("production", "operation"),
    "shipments": ("warehouse", "shipment_unit"),
}


def _stamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def content_sha256(tables: Sequence[Table]) -> str:
    """SHA-256 over every file read (name and bytes), streamed."""
    digest = hashlib.sha256()
    for path in sorted({t.path for t in tables}):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _records(table: Table) -> Iterator[tuple[int, Any]]:
    """The table's rows as records (checked already, so every row parses)."""
    for item in table.rows():
        if isinstance(item, Row):
            parsed = rules.parse_row(table.kind.name, table.file, item.number, item.values)
            if parsed.record is not None:
                yield item.number, parsed.record


def _chunks(items: Iterator[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Chunks of `size` items, read and parsed by a thread of their own up to
    READ_AHEAD chunks ahead, so parsing the next chunk overlaps the call that sends this
    one (which waits on the network with the interpreter free). Calls stay one at a
    time and in order: a chunk may rest on what the one before it created."""
    ahead: queue.Queue[tuple[list[Any] | None, BaseException | None]] = queue.Queue(READ_AHEAD)

    def read() -> None:
        chunk: list[Any] = []
        try:
            for item in items:
                chunk.append(item)
                if len(chunk) >= size:
                    ahead.put((chunk, None))
                    chunk = []
            if chunk:
                ahead.put((chunk, None))
            ahead.put((None, None))  # the end
        except BaseException as failure:  # handed to the consumer, raised there
            ahead.put((None, failure))

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    while True:
        chunk, failure = ahead.get()
        if failure is not None:
            raise failure
        if chunk is None:
            return
        yield chunk


class RowGroups:
    """Installations that rest on each other: those joined through a unit, as parent
    or serialized component, at any depth (a union-find over the rows read so far). A
    lot joins nothing: it contains nothing, so no path runs through it, and its node is
    only share-locked by the service. Rows of different groups may be judged and
    written in any order, side by side."""

    def __init__(self) -> None:
        self._up: dict[tuple[str, str], tuple[str, str]] = {}

    def _find(self, unit: tuple[str, str]) -> tuple[str, str]:
        up = self._up
        top = unit
        while up.get(top, top) != top:
            top = up[top]
        while unit != top:  # path compression
            up[unit], unit = top, up[unit]
        return top

    def add(self, rows: Sequence[tuple[int, Any]]) -> None:
        for _, r in rows:
            parent = self._find(r.parent)
            self._up.setdefault(parent, parent)
            if r.component_unit is not None:
                component = self._find(r.component_unit)
                self._up.setdefault(component, component)
                if component != parent:
                    self._up[component] = parent

    def root(self, row: tuple[int, Any]) -> tuple[str, str]:
        return self._find(row[1].parent)

    def roots(self, rows: Iterator[tuple[int, Any]]) -> set[tuple[str, str]]:
        return {self.root(r) for r in rows}


@dataclass
class FileResult:
    applied: int = 0
    refused: list[Problem] = field(default_factory=list)


class Applier:
    """Sends one batch's tables to the services, file by file in dependency order."""

    def __init__(
        self,
        services: Any,
        batch_id: str,
        advance: Callable[[int], None],
        stop: threading.Event | None = None,
    ) -> None:
        self.services, self.batch_id, self.advance = services, batch_id, advance
        # Set when a file applied beside this one failed: no further call is sent.
        self.stop = stop or threading.Event()
        self._product_kinds: dict[str, str] = {}

    def key(self, file: str, row: int, suffix: str = "") -> str:
        return f"import:{self.batch_id}:{file}:{row}{suffix}"

    def md_provenance(self, file: str, row: int) -> md.Provenance:
        return md.Provenance(import_batch_id=self.batch_id, file=file, row=row)

    def pp_provenance(self, file: str, row: int) -> pp.ImportProvenance:
        return pp.ImportProvenance(import_batch_id=self.batch_id, file=file, row=row)

    def product_kind(self, sku: str) -> str:
        if sku not in self._product_kinds:
            reply = self.services.masterdata.BatchGetProducts(
                md.BatchGetProductsRequest(skus=[sku])
            )
            for p in reply.products:
                self._product_kinds[p.sku] = enum_str(md.ProductKind, p.kind)
        return self._product_kinds.get(sku, "")

    def apply(self, table: Table) -> FileResult:
        return getattr(self, f"_{table.kind.name}")(table)  # type: ignore[no-any-return]

    def wh_provenance(self, file: str, row: int) -> wh.ImportProvenance:
        return wh.ImportProvenance(import_batch_id=self.batch_id, file=file, row=row)

    # --- one row, one call -------------------------------------------------------------

    def _one(
        self, result: FileResult, file: str, row: int, call: Callable[[], Any], rows: int = 1
    ) -> bool:
        try:
            call()
        except ServiceError as exc:
            result.refused.append(Problem(file, row, NO_COLUMN, exc.code.name, exc.message))
            self.advance(rows)
            return False
        result.applied += rows
        self.advance(rows)
        return True

    def _create(self, result: FileResult, file: str, row: int, rpc: str, **message: Any) -> None:
        """One masterdata create (`rpc` is CreateProduct, CreateParty or CreateLocation, and
        `message` its one field), keyed and traced to its row."""
        request = getattr(md, f"{rpc}Request")(
            **message, idempotency_key=self.key(file, row), provenance=self.md_provenance(file, row)
        )
        self._one(result, file, row, partial(getattr(self.services.masterdata, rpc), request))

    def _products(self, table: Table) -> FileResult:
        result = FileResult()
        for row, r in _records(table):
            product = md.Product(
                sku=r.sku,
                name=r.name,
                kind=enum_value(md.ProductKind, r.kind),
                tracking=enum_value(md.TrackingMode, r.tracking),
                gtin=r.gtin,
                serial_pattern=r.serial_pattern,
                uniqueness=enum_value(md.Uniqueness, r.uniqueness),
                required_attributes=list(r.required_attributes),
            )
            self._product_kinds[r.sku] = r.kind
            self._create(result, table.file, row, "CreateProduct", product=product)
        return result

    def _parties(self, table: Table) -> FileResult:
        result = FileResult()
        for row, r in _records(table):
            party = md.Party(
                code=r.code, name=r.name, kind=enum_value(md.PartyKind, r.kind), gln=r.gln
            )
            self._create(result, table.file, row, "CreateParty", party=party)
        return result

    def _locations(self, table: Table) -> FileResult:
        result = FileResult()
        pending = list(_records(table))
        codes = {r.code for _, r in pending}
        done: set[str] = set()
        # Parents first: a location is sent once its parent (if in the file) was.
        while pending:
            ready = [(n, r) for n, r in pending if r.parent_code not in codes - done]
            if not ready:
                ready = pending  # a loop among parents: let the service refuse them
            for row, r in ready:
                location = md.Location(
                    code=r.code,
                    name=r.name,
                    kind=enum_value(md.LocationKind, r.kind),
                    gln=r.gln,
                    parent_code=r.parent_code,
                )
                self._create(result, table.file, row, "CreateLocation", location=location)
                done.add(r.code)
            pending = [p for p in pending if p not in ready]
        return result

    def _boms(self, table: Table) -> FileResult:
        result = FileResult()
        revisions: dict[tuple[str, str], list[tuple[int, rules.BomLine]]] = defaultdict(list)
        for row, line in _records(table):
            revisions[(line.sku, line.revision)].append((row, line))
        for (sku, revision), lines in revisions.items():
            first_row, first = lines[0]
            request = md.CreateBomRevisionRequest(
                sku=sku,
                revision=revision,
                effective_from=_stamp(first.effective_from),
                items=[
                    md.BomItem(sku=line.component_sku, quantity=line.quantity) for _, line in lines
                ],
                idempotency_key=self.key(table.file, first_row),
                provenance=self.md_provenance(table.file, first_row),
            )
            created = self._one(
                result,
                table.file,
                first_row,
                partial(self.services.masterdata.CreateBomRevision, request),
                rows=len(lines),
            )
            approved = next((line.approval for _, line in lines if line.approval.by), None)
            if created and approved is not None and approved.at is not None:
                meaning = approved.meaning or "approved"
                legacy = f"{meaning} (legacy approval by {approved.by}, {approved.at.isoformat()})"
                approval = md.ApproveBomRevisionRequest(
                    sku=sku,
                    revision=revision,
                    meaning=legacy[:500],
                    idempotency_key=self.key(table.file, first_row, ":approval"),
                )
                try:
                    self.services.masterdata.ApproveBomRevision(approval)
                except ServiceError as exc:
                    result.refused.append(
                        Problem(table.file, first_row, "approved_by", exc.code.name, exc.message)
                    )
        return result

    # --- bulk calls ----------------------------------------------------------------------

    def _bulk(
        self,
        table: Table,
        call: Callable[[Any], Any],
        request_type: Callable[..., Any],
        item: Callable[[str, int, Any], Any],
        then: Callable[[FileResult, list[tuple[int, Any]]], None] | None = None,
        groups: RowGroups | None = None,
    ) -> FileResult:
        """Every record of `table` as one `item` of a `request_type` call, a chunk per
        call, each item with its own outcome; `then` follows up on each chunk's applied
        (row, record) pairs, in the same worker right after its call. Up to IN_FLIGHT
        calls are under way at once, their answers read in order. With `groups` (rows
        that rest on each other, e.g. installations of one unit tree), a row is sent
        only while no call in flight holds a row of its group, so each group's rows
        still go in file order; held rows go with a later call. A failed call raises
        once the calls already sent have ended; nothing more is sent."""
        result = FileResult()
        file = table.file

        def work(chunk: list[tuple[int, Any]]) -> tuple[FileResult, int]:
            part = FileResult()
            answer = call(request_type(items=[item(file, row, r) for row, r in chunk]))
            applied = []
            for (row, record), outcome in zip(chunk, answer.outcomes, strict=True):
                if outcome.WhichOneof("outcome") == "error":
                    error = error_of(outcome.error)
                    part.refused.append(
                        Problem(file, row, NO_COLUMN, error.code.name, error.message)
                    )
                else:
                    part.applied += 1
                    applied.append((row, record))
            if then is not None and applied:
                then(part, applied)
            return part, len(chunk)

        sent: deque[tuple[Future[tuple[FileResult, int]], list[tuple[int, Any]]]] = deque()

        def settle() -> None:
            part, rows = sent.popleft()[0].result()
            result.applied += part.applied
            result.refused += part.refused
            self.advance(rows)

        def send(rows: list[tuple[int, Any]]) -> None:
            for start in range(0, len(rows), CHUNK):
                while len(sent) >= IN_FLIGHT:
                    settle()
                piece = rows[start : start + CHUNK]
                sent.append((calls.submit(work, piece), piece))

        def send_free(held: list[tuple[int, Any]], grouping: RowGroups) -> list[tuple[int, Any]]:
            """Sends up to a chunk of the held rows whose group no call in flight
            holds; returns the rows still held (in file order)."""
            busy = grouping.roots(r for _, rows in sent for r in rows)
            ready: list[tuple[int, Any]] = []
            still: list[tuple[int, Any]] = []
            for x in held:
                free = len(ready) < CHUNK and grouping.root(x) not in busy
                (ready if free else still).append(x)
            if ready:
                send(ready)
            elif sent:
                settle()  # every held row waits on a call in flight: let the oldest end
            return still

        held: list[tuple[int, Any]] = []
        with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix=f"import-{file}") as calls:
            for chunk in _chunks(_records(table)):
                if self.stop.is_set():
                    break
                if groups is None:
                    send(chunk)
                    continue
                groups.add(chunk)
                held += chunk
                while len(held) >= CHUNK:
                    held = send_free(held, groups)
            while held and groups is not None and not self.stop.is_set():
                held = send_free(held, groups)
            while sent:
                settle()
        return result

    def _lots(self, table: Table) -> FileResult:
        def item(file: str, row: int, r: rules.LotRecord) -> md.ImportedLot:
            return md.ImportedLot(
                lot=md.Lot(
                    sku=r.sku,
                    lot_number=r.lot_number,
                    supplier_code=r.supplier_code,
                    supplier_lot_number=r.supplier_lot_number,
                    produced_at=_stamp(r.produced_at),
                    expires_at=_stamp(r.expires_at),
                ),
                provenance=self.md_provenance(file, row),
                idempotency_key=self.key(file, row),
            )

        def receive(result: FileResult, applied: list[tuple[int, rules.LotRecord]]) -> None:
            """The quantities of the lots registered into stock at their locations."""
            stocked = [(row, r) for row, r in applied if r.quantity]
            if not stocked:
                return
            request = wh.ImportLotStockRequest(
                items=[
                    wh.ImportedLotStock(
                        lot=core_pb2.LotQuantity(
                            lot=core_pb2.LotKey(sku=r.sku, lot_number=r.lot_number),
                            quantity=r.quantity,
                        ),
                        location_code=r.location_code,
                        received_at=_stamp(r.produced_at),
                        provenance=self.wh_provenance(table.file, row),
                        idempotency_key=self.key(table.file, row, ":stock"),
                    )
                    for row, r in stocked
                ]
            )
            outcomes = self.services.warehouse.ImportLotStock(request).outcomes
            self._refusals(result, table.file, "quantity", stocked, outcomes)

        masterdata = self.services.masterdata
        return self._bulk(table, masterdata.ImportLots, md.ImportLotsRequest, item, receive)

    def _units(self, table: Table) -> FileResult:
        def item(file: str, row: int, r: rules.UnitRecord) -> md.ImportedUnit:
            return md.ImportedUnit(
                sku=r.sku,
                serial=r.serial,
                attributes_json=json.dumps(r.attributes, ensure_ascii=False),
                aliases=[md.UnitAlias(kind=k, value=v) for k, v in r.aliases],
                source=md.UNIT_SOURCE_COMMISSIONED
                if self.product_kind(r.sku) in MADE_HERE
                else md.UNIT_SOURCE_PURCHASED,
                created_at=_stamp(r.created_at),
                provenance=self.md_provenance(file, row),
                idempotency_key=self.key(file, row),
            )

        def build_and_stock(
            result: FileResult, registered: list[tuple[int, rules.UnitRecord]]
        ) -> None:
            built = self._builds(result, table.file, registered)
            self._stock(result, table.file, built)

        masterdata = self.services.masterdata
        return self._bulk(
            table, masterdata.ImportUnits, md.ImportUnitsRequest, item, build_and_stock
        )

    def _builds(
        self, result: FileResult, file: str, registered: list[tuple[int, rules.UnitRecord]]
    ) -> list[tuple[int, rules.UnitRecord]]:
        """Builds in production of the registered units made here; returns the units
        registered (and built, where they are made here)."""
        made = [(row, r) for row, r in registered if self.product_kind(r.sku) in MADE_HERE]
        refused: set[int] = set()
        if made:
            builds = pp.ImportUnitBuildsRequest(
                items=[
                    pp.ImportedUnitBuild(
                        unit=core_pb2.UnitKey(sku=r.sku, serial=r.serial),
                        status=enum_value(pp.BuildStatus, r.status),
                        created_at=_stamp(r.created_at),
                        provenance=self.pp_provenance(file, row),
                        idempotency_key=self.key(file, row, ":build"),
                    )
                    for row, r in made
                ]
            )
            outcomes = self.services.production.ImportUnitBuilds(builds).outcomes
            refused = self._refusals(result, file, "status", made, outcomes)
        return [(row, r) for row, r in registered if row not in refused]

    def _stock(
        self, result: FileResult, file: str, units: list[tuple[int, rules.UnitRecord]]
    ) -> None:
        """Units with a location into stock there, at their created_at: COMPLETE ones,
        and purchased ones not SCRAPPED (rules.in_stock)."""
        stocked = [
            (row, r)
            for row, r in units
            if rules.in_stock(r.status, self.product_kind(r.sku), r.location_code)
        ]
        if not stocked:
            return
        request = wh.ImportStockRequest(
            items=[
                wh.ImportedStock(
                    unit=core_pb2.UnitKey(sku=r.sku, serial=r.serial),
                    location_code=r.location_code,
                    received_at=_stamp(r.created_at),
                    provenance=self.wh_provenance(file, row),
                    idempotency_key=self.key(file, row, ":stock"),
                )
                for row, r in stocked
            ]
        )
        outcomes = self.services.warehouse.ImportStock(request).outcomes
        self._refusals(result, file, "location_code", stocked, outcomes)

    @staticmethod
    def _refusals(
        result: FileResult,
        file: str,
        column: str,
        sent: list[tuple[int, Any]],
        outcomes: Sequence[Any],
    ) -> set[int]:
        """The rows of a follow-up call (build, stock) that were refused: each a
        problem, and no longer counted as applied."""
        refused: set[int] = set()
        for (row, _), outcome in zip(sent, outcomes, strict=True):
            if outcome.WhichOneof("outcome") == "error":
                error = error_of(outcome.error)
                result.applied -= 1
                result.refused.append(Problem(file, row, column, error.code.name, error.message))
                refused.add(row)
        return refused

    def _genealogy(self, table: Table) -> FileResult:
        def item(file: str, row: int, r: rules.GenealogyRecord) -> pp.ImportedComponentLink:
            link = pp.ImportedComponentLink(
                parent=core_pb2.UnitKey(sku=r.parent[0], serial=r.parent[1]),
                installed_at=_stamp(r.installed_at),
                installed_by=r.installed_by,
                removed_at=_stamp(r.removed_at),
                removal_reason=r.removal_reason,
                provenance=self.pp_provenance(file, row),
                idempotency_key=self.key(file, row),
            )
            if r.component_unit is not None:
                link.component_unit.CopyFrom(
                    core_pb2.UnitKey(sku=r.component_unit[0], serial=r.component_unit[1])
                )
            elif r.component_lot is not None:
                link.component_lot.CopyFrom(
                    core_pb2.LotQuantity(
                        lot=core_pb2.LotKey(sku=r.component_lot[0], lot_number=r.component_lot[1]),
                        quantity=r.quantity,
                    )
                )
            return link

        production = self.services.production
        return self._bulk(
            table,
            production.ImportComponentLinks,
            pp.ImportComponentLinksRequest,
            item,
            groups=RowGroups(),
        )

    def _operations(self, table: Table) -> FileResult:
        def item(file: str, row: int, r: rules.OperationRecord) -> pp.ImportedOperation:
            operation = pp.ImportedOperation(
                unit=core_pb2.UnitKey(sku=r.unit[0], serial=r.unit[1]),
                operation=r.operation,
                station=r.station,
                operator=r.operator,
                started_at=_stamp(r.started_at),
                finished_at=_stamp(r.finished_at),
                result=enum_value(core_pb2.Result, r.result),
                measurements_json=json.dumps(r.measurements, ensure_ascii=False),
                provenance=self.pp_provenance(file, row),
                idempotency_key=self.key(file, row),
            )
            if r.approval.by:
                approval = r.approval
                operation.approval.CopyFrom(
                    core_pb2.Signature(
                        by=approval.by, at=_stamp(approval.at), meaning=approval.meaning
                    )
                )
            return operation

        production = self.services.production
        return self._bulk(
            table,
            production.ImportOperations,
            pp.ImportOperationsRequest,
            item,  # records rest on builds, never on other records
        )

    def _shipments(self, table: Table) -> FileResult:
        def item(file: str, row: int, r: rules.ShipmentRecord) -> wh.ImportedShipment:
            return wh.ImportedShipment(
                unit=core_pb2.UnitKey(sku=r.unit[0], serial=r.unit[1]),
                customer_code=r.customer_code,
                shipped_at=_stamp(r.shipped_at),
                carrier=r.carrier,
                tracking_number=r.tracking_number,
                sscc=r.sscc,
                provenance=self.wh_provenance(file, row),
                idempotency_key=self.key(file, row),
            )

        warehouse = self.services.warehouse
        return self._bulk(table, warehouse.ImportShipments, wh.ImportShipmentsRequest, item)


# --- the commands ------------------------------------------------------------------------


def find_batch(services: Any, sha: str, name: str) -> tuple[md.ImportBatch | None, int]:
    """The batch these same files were applied as before, unless it was rolled back;
    and how many batches of these files and name were rolled back (so applying them
    again after a rollback makes a new batch)."""
    rolled_back = 0
    found = None
    for batch in services.masterdata.ListImportBatches(md.ListImportBatchesRequest()).batches:
        if batch.content_sha256 != sha or batch.name != name:
            continue
        if batch.state == md.IMPORT_BATCH_STATE_ROLLED_BACK:
            rolled_back += 1
        elif found is None:
            found = batch
    return found, rolled_back


def apply_directory(
    directory: Path,
    services: Any,
    name: str | None,
    encoding: str = "auto",
    out: TextIO = sys.stdout,
) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from serialtrace.importer.client import GrpcCatalog

    name = name or directory.resolve().name
    tables, problems = open_directory(directory, encoding)
    sha = content_sha256(tables)
    existing, rolled_back = find_batch(services, sha, name)
    checker = Checker(GrpcCatalog(services), report_conflicts=existing is None)
    problems = sorted(problems) + checker.check_tables(tables)
    if problems:
        for problem in problems:
            print(problem, file=out)
        print(f"{len(problems)} problem(s); nothing applied", file=sys.stderr)
        return 1
    rows = checker.rows_read
    if existing is None:
        existing = services.masterdata.CreateImportBatch(
            md.CreateImportBatchRequest(
                name=name,
                content_sha256=sha,
                files=[md.ImportFileCount(file=t.file, rows=rows.get(t.file, 0)) for t in tables],
                idempotency_key=(
                    f"import-batch:{sha}:{hashlib.sha256(name.encode()).hexdigest()[:16]}"
                    f":{rolled_back}"
                ),
            )
        ).batch
    batch_id = existing.id
    print(f"import batch {batch_id} ({name}): applying", file=sys.stderr)
    services.masterdata.SetImportBatchState(
        md.SetImportBatchStateRequest(id=batch_id, state=md.IMPORT_BATCH_STATE_APPLYING)
    )
    refused: list[Problem] = []
    applied: dict[str, int] = {}
    seconds: dict[str, float] = {}
    console = Console(file=sys.stderr)
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        for stage in _stages(tables):
            for table, (result, took) in zip(
                stage, _apply_side_by_side(services, batch_id, stage, rows, progress), strict=True
            ):
                seconds[table.file] = took
                applied[table.file] = result.applied
                refused += result.refused
    state = md.IMPORT_BATCH_STATE_APPLYING if refused else md.IMPORT_BATCH_STATE_APPLIED
    services.masterdata.SetImportBatchState(
        md.SetImportBatchStateRequest(
            id=batch_id,
            state=state,
            files=[md.ImportFileCount(file=f, applied=n) for f, n in applied.items()],
        )
    )
    for problem in refused:
        print(problem, file=out)
    for file, n in applied.items():
        print(
            f"{file}: {n} of {rows.get(file, 0)} rows applied in {seconds[file]:.1f} s",
            file=sys.stderr,
        )
    print(batch_id, file=out)
    return 1 if refused else 0


def _advance(progress: Any, task: Any, rows: int) -> None:
    progress.advance(task, rows)


def _stages(tables: Sequence[Table]) -> list[list[Table]]:
    """The tables (in dependency order) grouped by their kind's STAGE."""
    stages: dict[int, list[Table]] = {}
    for table in tables:
        stages.setdefault(STAGE[table.kind.name], []).append(table)
    return [stages[n] for n in sorted(stages)]


def _apply_side_by_side(
    services: Any, batch_id: str, stage: Sequence[Table], rows: dict[str, int], progress: Any
) -> list[tuple[FileResult, float]]:
    """Applies the tables of one stage, each in a thread of its own (a stage of one in
    this one): (result, seconds) of each. When one fails, the others send nothing more
    and the first failure is raised once they have stopped."""
    stop = threading.Event()

    def one(table: Table) -> tuple[FileResult, float]:
        task = progress.add_task(table.file, total=rows.get(table.file, 0))
        applier = Applier(services, batch_id, partial(_advance, progress, task), stop)
        started = time.perf_counter()
        try:
            result = applier.apply(table)
        except BaseException:
            stop.set()
            raise
        return result, time.perf_counter() - started

    if len(stage) == 1:
        return [one(stage[0])]
    with ThreadPoolExecutor(len(stage), thread_name_prefix="import-stage") as files:
        running = [files.submit(one, table) for table in stage]
    return [done.result() for done in running]


def _batch(services: Any, batch_id: str) -> md.ImportBatch:
    from serialtrace.common.errors import NotFound

    found = services.masterdata.BatchGetImportBatches(
        md.BatchGetImportBatchesRequest(ids=[batch_id])
    ).batches
    if not found:
        raise NotFound(f"no import batch {batch_id!r}; `serialtrace import list` shows them")
    return found[0]  # type: ignore[no-any-return]


def differences(services: Any, batch: md.ImportBatch) -> list[str]:
    """What the batch's rows and the facts present disagree on, per file."""
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for service, request in (
        ("masterdata", md.CountImportedFactsRequest(import_batch_id=batch.id)),
        ("production", pp.CountImportedFactsRequest(import_batch_id=batch.id)),
        ("warehouse", wh.CountImportedFactsRequest(import_batch_id=batch.id)),
    ):
        for c in getattr(services, service).CountImportedFacts(request).counts:
            counted[(c.file, c.entity_type)] += c.count
    found: list[str] = []
    for f in batch.files:
        kind = f.file.rsplit("[", 1)[-1].rstrip("]").removesuffix(".csv")
        if kind not in FACTS:
            continue
        present = counted.get((f.file, FACTS[kind][1]), 0)
        if present != f.rows:
            found.append(f"{f.file}: {f.rows} rows read, {present} {FACTS[kind][1]} facts present")
        if f.applied != f.rows:
            found.append(f"{f.file}: {f.rows} rows read, {f.applied} recorded as applied")
    return found


def verify_batch(batch_id: str, services: Any, out: TextIO = sys.stdout) -> int:
    batch = _batch(services, batch_id)
    if batch.state not in (md.IMPORT_BATCH_STATE_APPLIED, md.IMPORT_BATCH_STATE_VERIFIED):
        print(
            f"import batch {batch_id} is {enum_str(md.ImportBatchState, batch.state)}; "
            "apply it first",
            file=out,
        )
        return 1
    found = differences(services, batch)
    genealogy = services.production.VerifyImportedGenealogy(
        pp.VerifyImportedGenealogyRequest(import_batch_id=batch_id)
    )
    found += [f"genealogy: {problem}" for problem in genealogy.problems]
    stock = services.warehouse.VerifyImportedStock(
        wh.VerifyImportedStockRequest(import_batch_id=batch_id)
    )
    found += [f"stock: {problem}" for problem in stock.problems]
    if found:
        for line in found:
            print(line, file=out)
        return 1
    services.masterdata.SetImportBatchState(
        md.SetImportBatchStateRequest(id=batch_id, state=md.IMPORT_BATCH_STATE_VERIFIED)
    )
    for f in batch.files:
        print(f"{f.file}: {f.rows} rows, all present", file=out)
    print(f"genealogy: {genealogy.links} installations consistent", file=out)
    print(f"stock: {stock.facts} receipts and shipments consistent", file=out)
    print(f"import batch {batch_id} verified", file=out)
    return 0


def list_batches(services: Any, out: TextIO = sys.stdout) -> int:
    from rich.console import Console
    from rich.table import Table as RichTable

    batches = services.masterdata.ListImportBatches(md.ListImportBatchesRequest()).batches
    table = RichTable("id", "name", "state", "files (applied/rows)", "by", "at")
    for b in batches:
        files = ", ".join(f"{f.file} {f.applied}/{f.rows}" for f in b.files)
        table.add_row(
            b.id,
            b.name,
            enum_str(md.ImportBatchState, b.state),
            files,
            b.created_by,
            b.created_at.ToDatetime().isoformat(timespec="seconds") + "Z",
        )
    Console(file=out, width=200).print(table)
    return 0


# --- rollback ------------------------------------------------------------------------------


def imported_keys(services: Any, batch_id: str, entity_type: str) -> list[tuple[str, str]]:
    """The (sku, serial or lot number) keys of the units or lots a batch created."""
    keys: list[tuple[str, str]] = []
    token = ""
    while True:
        page = services.masterdata.ListImportedFacts(
            md.ListImportedFactsRequest(
                import_batch_id=batch_id, entity_type=entity_type, page_size=1000, page_token=token
            )
        )
        keys += [(i.split(":", 1)[0], i.split(":", 1)[1]) for i in page.entity_ids]
        token = page.next_page_token
        if not token:
            return keys


def rollback_dependents(
    services: Any, batch_id: str, units: list[tuple[str, str]], lots: list[tuple[str, str]]
) -> list[str]:
    """Everything recorded since that rests on the batch: its units shipped, held or in
    a recall, stock of its lots, installations and records in production, registry
    entries in masterdata."""
    from serialtrace.quality.v1 import quality_pb2 as qa

    found: list[str] = []
    for start in range(0, max(len(units), len(lots)), CHUNK):
        unit_keys = [core_pb2.UnitKey(sku=s, serial=n) for s, n in units[start : start + CHUNK]]
        lot_keys = [core_pb2.LotKey(sku=s, lot_number=n) for s, n in lots[start : start + CHUNK]]
        if unit_keys:
            stock = services.warehouse.BatchGetUnitStock(
                wh.BatchGetUnitStockRequest(units=unit_keys)
            )
            found += [
                f"{u.unit.sku}/{u.unit.serial} shipped (shipment {u.shipment_id})"
                for u in stock.units
                if u.custody == wh.CUSTODY_STATUS_SHIPPED
                and not u.shipment_id.startswith(f"SH-{batch_id}-")  # the batch's own
            ]
            recalls = services.quality.BatchGetUnitRecalls(
                qa.BatchGetUnitRecallsRequest(units=unit_keys)
            )
            found += [
                f"{r.unit.sku}/{r.unit.serial} is in recall {', '.join(r.recall_ids)}"
                for r in recalls.units
                if r.recall_ids
            ]
        holds = services.quality.BatchCheckHolds(
            qa.BatchCheckHoldsRequest(units=unit_keys, lots=lot_keys)
        )
        found += [
            f"{c.unit.sku or c.lot.sku}/{c.unit.serial or c.lot.lot_number} is held "
            f"({', '.join(c.hold_ids)})"
            for c in holds.checks
            if c.held
        ]
    for service, request in (
        ("warehouse", wh.RollBackImportRequest(import_batch_id=batch_id, dry_run=True)),
        ("production", pp.RollBackImportRequest(import_batch_id=batch_id, dry_run=True)),
        ("masterdata", md.RollBackImportRequest(import_batch_id=batch_id, dry_run=True)),
    ):
        found += list(getattr(services, service).RollBackImport(request).dependents)
    return found


def rollback_batch(batch_id: str, services: Any, out: TextIO = sys.stdout) -> int:
    """Takes back what the batch created, warehouse and production first (they refer
    to the registry),
    each fact as a new audit entry; refused, naming them, while facts depend on it."""
    batch = _batch(services, batch_id)
    if batch.state == md.IMPORT_BATCH_STATE_ROLLED_BACK:
        print(f"import batch {batch_id} is rolled back already", file=out)
        return 0
    units = imported_keys(services, batch_id, "unit")
    lots = imported_keys(services, batch_id, "lot")
    dependents = rollback_dependents(services, batch_id, units, lots)
    if dependents:
        print(
            f"rollback of import batch {batch_id} refused: {len(dependents)} fact(s) "
            "recorded since depend on it",
            file=out,
        )
        for line in dependents:
            print(f"  {line}", file=out)
        return 1
    taken = list(
        services.warehouse.RollBackImport(
            wh.RollBackImportRequest(
                import_batch_id=batch_id, idempotency_key=f"import-rollback:{batch_id}:warehouse"
            )
        ).taken_back
    )
    taken += list(
        services.production.RollBackImport(
            pp.RollBackImportRequest(
                import_batch_id=batch_id, idempotency_key=f"import-rollback:{batch_id}:production"
            )
        ).taken_back
    )
    taken += services.masterdata.RollBackImport(
        md.RollBackImportRequest(
            import_batch_id=batch_id, idempotency_key=f"import-rollback:{batch_id}:masterdata"
        )
    ).taken_back
    for count in taken:
        print(f"{count.entity_type}: {count.count} taken back", file=out)
    print(f"import batch {batch_id} rolled back", file=out)
    return 0
