"""Builds an evidence package on request, from the services, and keeps it for a few
minutes under an unguessable id for its download. Nothing about the trace outlives that.

The trace comes from the graph's own queries (run on a context of their own with the
caller's token), so the package holds what a client of the graph would see. Then every
service signs its head, so that each entry the trace rests on links to a checkpoint, and
the entries, the links up to the checkpoints, the checkpoints and the public key are
read from each service's LedgerService.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import Gauge, Histogram

from serialtrace.common import evidence
from serialtrace.common.auth import verify_token
from serialtrace.common.errors import (
    InvalidArgument,
    NotFound,
    ServiceError,
    Unauthenticated,
    Unavailable,
)
from serialtrace.common.ledger_entries import lot_entity, names_a_use_outside, unit_entity
from serialtrace.common.ledger_messages import checkpoint_of
from serialtrace.common.timeutil import from_timestamp, iso, utcnow
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.context import GatewayContext
from serialtrace.gateway.evidence_report import render_html, render_pdf
from serialtrace.gateway.governance import EVIDENCE_SAMPLES
from serialtrace.gateway.loaders import Loaders

# How long a built package can be downloaded.
PACKAGE_TTL_SECONDS = 600
# Bounds on what one package may pull in.
MAX_GENEALOGY_UNITS = 200
MAX_LISTED_UNITS = 10_000
MAX_UNITS_WITH_ENTRIES = 1_000
PAGE = 500
ENTITY_BATCH = 500

EVIDENCE_SECONDS = Histogram(
    "serialtrace_evidence_package_seconds",
    "Time to build one evidence package",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
EVIDENCE_LAST_SECONDS = Gauge(
    "serialtrace_evidence_package_last_seconds", "Time the last evidence package took to build"
)

_UNIT_FIELDS = """
  sku serial createdAt attributes aliases { kind value }
  product { sku name kind tracking gtin }
  buildStatus workOrder { id sku quantity bomRevision line status }
  operations { id operation station operator startedAt finishedAt result measurements
               approval { by at meaning } }
  components(includeRemoved: true) { quantity operation installedAt installedBy removedAt
               removedBy removalReason unit { sku serial product { name } }
               lot { sku lotNumber product { name } supplier { code name } supplierLotNumber } }
  installedIn { sku serial }
  materialLots { sku lotNumber product { name } supplier { code name } supplierLotNumber }
  custodyStatus location { code name kind }
  movements { kind at by reference fromLocation { code name } toLocation { code name } }
  package { sscc kind parent { sscc kind } }
  shipment { id shippedAt carrier trackingNumber customer { code name } }
  qualityStatus inspections { id kind result inspector at measurements }
  holds { id reason placedBy placedAt active release { by at meaning } }
  recalls { id reason status createdAt createdBy }
  auditTrail { service seq at actor action entityType entityId payload prevHash hash }
"""
UNIT_QUERY = f"query EvidenceUnit($sku: String!, $serial: String!) {{ unit(sku: $sku, serial: $serial) {{ {_UNIT_FIELDS} }} }}"  # noqa: E501
LOT_QUERY = """query EvidenceLot($sku: String!, $lot: String!, $first: Int!, $after: String) {
  lot(sku: $sku, lotNumber: $lot) {
    sku lotNumber product { sku name kind tracking } supplier { code name }
    supplierLotNumber receivedAt expiresAt quantityOnHand
    stock { quantity location { code name } } qualityStatus
    inspections { id kind result inspector at measurements }
    holds { id reason placedBy placedAt active release { by at meaning } }
    whereUsed(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { sku serial buildStatus custodyStatus location { code name }
                     shipment { id shippedAt customer { code name } } } }
    }
  }
}"""
RECALL_QUERY = """query EvidenceRecall($id: ID!, $first: Int!, $after: String) {
  recall(id: $id) {
    id reason status createdAt createdBy scopeComputedInMs counts { state count }
    affected(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { state unit { sku serial } location { code name }
                     customer { code name } shipment { id shippedAt } } }
    }
  }
}"""


@dataclass(frozen=True)
class Subject:
    """What a package is about: a unit, a lot, or a recall."""

    kind: str
    keys: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.kind} {' '.join(self.keys)}"

    @property
    def file_stem(self) -> str:
        safe = "-".join(
            "".join(c if c.isalnum() or c in "-_." else "_" for c in k) for k in self.keys
        )
        return f"evidence-{self.kind}-{safe}"[:120]

    @staticmethod
    def of(unit: Any | None, lot: Any | None, recall_id: str | None) -> Subject:
        given = [x for x in (unit, lot, recall_id) if x is not None]
        if len(given) != 1:
            raise InvalidArgument("give exactly one of unit, lot or recallId")
        if unit is not None:
            return Subject("unit", (unit.sku, unit.serial))
        if lot is not None:
            return Subject("lot", (lot.sku, lot.lot_number))
        return Subject("recall", (str(recall_id),))


@dataclass
class BuiltPackage:
    id: str
    path: Path
    file_name: str
    sha256: str
    size_bytes: int
    owner: str
    expires: float


@dataclass
class PackageStore:
    """Built packages on local disk for PACKAGE_TTL_SECONDS, then deleted."""

    root: Path | None = None  # made on the first package, private to this process
    packages: dict[str, BuiltPackage] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_path(self) -> tuple[str, Path]:
        self.expire()
        with self.lock:
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="serialtrace-evidence-"))
            root = self.root
        package_id = secrets.token_urlsafe(24)
        folder = root / package_id
        folder.mkdir(parents=True)
        return package_id, folder

    def add(self, package: BuiltPackage) -> None:
        with self.lock:
            self.packages[package.id] = package

    def get(self, package_id: str, owner: str) -> BuiltPackage | None:
        """The package, for the caller who built it, until it expires."""
        self.expire()
        with self.lock:
            found = self.packages.get(package_id)
        return found if found is not None and found.owner == owner else None

    def expire(self) -> None:
        now = time.monotonic()
        with self.lock:
            old = [p for p in self.packages.values() if p.expires <= now]
            for package in old:
                del self.packages[package.id]
        for package in old:
            shutil.rmtree(package.path.parent, ignore_errors=True)

    def close(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


STORE = PackageStore()


async def run_query(
    context: GatewayContext, schema: Any, query: str, variables: dict[str, Any]
) -> Any:
    """Runs one of the graph's queries as the caller, on a context of its own."""
    inner = GatewayContext(
        context.settings, context.calls, context.principal, None, Loaders(context.calls)
    )
    span = context.calls.span
    try:
        result = await schema.execute(query, variable_values=variables, context_value=inner)
    finally:
        context.calls.span = span  # the inner operation's span has ended
    errors = [*(result.errors or []), *inner.partial_errors]
    if errors:
        original = getattr(errors[0], "original_error", None)
        if isinstance(original, ServiceError):
            raise original
        raise Unavailable(f"the trace for the evidence package is incomplete: {errors[0].message}")
    return result.data


async def collect_trace(context: GatewayContext, schema: Any, subject: Subject) -> dict[str, Any]:
    if subject.kind == "unit":
        return await _unit_trace(context, schema, subject.keys)
    if subject.kind == "lot":
        sku, lot = subject.keys
        first, edges = await _paged(
            context, schema, LOT_QUERY, {"sku": sku, "lot": lot}, "lot", "whereUsed"
        )
        if first is None:
            raise NotFound(f"no lot {lot[:100]} of {sku[:100]}")
        first["whereUsed"]["edges"] = edges
        return {"kind": "lot", "lot": first}
    (recall_id,) = subject.keys
    first, edges = await _paged(
        context, schema, RECALL_QUERY, {"id": recall_id}, "recall", "affected"
    )
    if first is None:
        raise NotFound(f"no recall {recall_id[:100]}")
    first["affected"]["edges"] = edges
    return {"kind": "recall", "recall": first}


async def _paged(
    context: GatewayContext,
    schema: Any,
    query: str,
    variables: dict[str, Any],
    root: str,
    connection: str,
) -> tuple[Any, list[Any]]:
    first, edges, after = None, [], None
    while True:
        data = (
            await run_query(context, schema, query, {**variables, "first": PAGE, "after": after})
        )[root]
        if data is None:
            return None, []
        first = first or data
        edges.extend(data[connection]["edges"])
        page = data[connection]["pageInfo"]
        if not page["hasNextPage"] or len(edges) >= MAX_LISTED_UNITS:
            first[connection]["truncated"] = page["hasNextPage"]
            return first, edges
        after = page["endCursor"]


async def _unit_trace(
    context: GatewayContext, schema: Any, keys: tuple[str, ...]
) -> dict[str, Any]:
    sku, serial = keys
    units: dict[str, Any] = {}
    queue = [(sku, serial)]
    while queue and len(units) < MAX_GENEALOGY_UNITS:
        batch, queue = queue[:16], queue[16:]
        found = await asyncio.gather(
            *(run_query(context, schema, UNIT_QUERY, {"sku": s, "serial": n}) for s, n in batch)
        )
        for (s, n), data in zip(batch, found, strict=True):
            unit = data["unit"]
            if unit is None:
                if (s, n) == (sku, serial):
                    raise NotFound(f"no unit {serial[:100]} of {sku[:100]}")
                continue
            units[unit_entity(s, n)] = unit
            for link in unit["components"]:
                child = link.get("unit")
                if child and unit_entity(child["sku"], child["serial"]) not in units:
                    queue.append((child["sku"], child["serial"]))
    return {
        "kind": "unit",
        "subject": unit_entity(sku, serial),
        "units": units,
        "truncated": bool(queue),
    }


def cited_entities(trace: Mapping[str, Any]) -> dict[str, set[str]]:
    """The ledger entities a trace rests on, by entity type."""
    wanted: dict[str, set[str]] = {}

    def add(kind: str, key: str | None) -> None:
        if key:
            wanted.setdefault(kind, set()).add(key)

    if trace["kind"] == "unit":
        for unit in trace["units"].values():
            add("unit", unit_entity(unit["sku"], unit["serial"]))
            add("product", unit["sku"])
            if unit.get("workOrder"):
                add("work_order", unit["workOrder"]["id"])
            for lot in unit["materialLots"]:
                add("lot", lot_entity(lot["sku"], lot["lotNumber"]))
            for hold in unit["holds"]:
                add("hold", hold["id"])
            for recall in unit["recalls"]:
                add("recall", recall["id"])
            if unit.get("package"):
                add("package", unit["package"]["sscc"])
    elif trace["kind"] == "lot":
        lot = trace["lot"]
        add("lot", lot_entity(lot["sku"], lot["lotNumber"]))
        add("product", lot["sku"])
        for hold in lot["holds"]:
            add("hold", hold["id"])
    else:
        recall = trace["recall"]
        add("recall", recall["id"])
        for edge in recall["affected"]["edges"][:MAX_UNITS_WITH_ENTRIES]:
            unit = edge["node"]["unit"]
            add("unit", unit_entity(unit["sku"], unit["serial"]))
    return wanted


async def _entries_of(
    context: GatewayContext,
    service: str,
    wanted: Mapping[str, set[str]],
    trace_units: set[str] | None,
) -> list[Any]:
    calls = []
    for entity_type, ids in sorted(wanted.items()):
        ordered = sorted(ids)
        for at in range(0, len(ordered), ENTITY_BATCH):
            request = core_pb2.ListAuditEntriesRequest(
                entity_type=entity_type,
                entity_ids=ordered[at : at + ENTITY_BATCH],
                lot_uses_in_units=sorted(trace_units or ()),
            )
            calls.append(context.calls.read_ledger(service, "ListAuditEntries", request))
    replies = await asyncio.gather(*calls)
    return [entry for reply in replies for entry in reply.entries]


def rests_on(entry: Any, trace_units: set[str] | None) -> bool:
    """Whether a unit's package rests on this entry. A lot used in hundreds of units has
    an entry for each use; those naming another unit are that unit's evidence, and
    citing them spread the cited entries, and so the links to checkpoints, over the
    whole ledger. The services leave them out already (`lot_uses_in_units`); this
    holds the rule for a service that did not. `trace_units` None (a lot or a recall
    package): every entry counts."""
    if trace_units is None or entry.entity_type != "lot":
        return True
    return not names_a_use_outside(entry.payload_json, trace_units)


def _entry_json(message: Any) -> dict[str, Any]:
    return {
        "service": message.service,
        "seq": message.seq,
        "at": iso(from_timestamp(message.at) or utcnow()),
        "actor": message.actor,
        "action": message.action,
        "entity_type": message.entity_type,
        "entity_id": message.entity_id,
        "payload": message.payload_json,
        "prev_hash": message.prev_hash,
        "hash": message.hash,
    }


async def ledger_evidence(
    context: GatewayContext,
    service: str,
    wanted: Mapping[str, set[str]],
    trace_units: set[str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """One service's ledger file, the checkpoints it links to, and the public key
    (`trace_units`: see `rests_on`)."""

    async def sign_and_list() -> tuple[int, Any]:
        signed = await context.calls.read_ledger(
            service, "SignCheckpoint", core_pb2.SignCheckpointRequest()
        )
        listed = await context.calls.read_ledger(
            service, "ListCheckpoints", core_pb2.ListCheckpointsRequest()
        )
        return (signed.checkpoint.seq if signed.HasField("checkpoint") else 0), listed

    # The entries are read while the head is signed: both come after the trace, so
    # every entry the trace shows is in the one and covered by the other.
    (signed_seq, listed), about = await asyncio.gather(
        sign_and_list(), _entries_of(context, service, wanted, trace_units)
    )
    cited = sorted({e.seq for e in about if e.seq <= signed_seq and rests_on(e, trace_units)})
    del about  # only their seqs are kept: a recall's cited entries are thousands
    checkpoints = [checkpoint_of(c) for c in listed.checkpoints if c.seq <= signed_seq]
    links = evidence.nearest_checkpoints(cited, (c.seq for c in checkpoints))
    chain: dict[int, evidence.OneLine] = {}
    # The links' ranges are read side by side: each is one indexed range scan.
    for lines in await asyncio.gather(
        *(
            _ledger_range(context, service, first, last)
            for first, last in evidence.link_ranges(links)
        )
    ):
        chain.update(lines)
    used = sorted({seq for seq in links.values() if seq is not None})
    newest_at_seq = {c.seq: c for c in checkpoints}  # the latest signature of each seq
    file = {
        "service": service,
        "cited": cited,
        "links": {str(seq): end for seq, end in links.items()},
        "entries": [chain[seq] for seq in sorted(chain)],
    }
    return file, [newest_at_seq[s].as_json() for s in used], listed.public_key_pem


async def _ledger_range(
    context: GatewayContext, service: str, first: int, last: int
) -> list[tuple[int, evidence.OneLine]]:
    """Entries first..last as (seq, the entry's line in the ledger file), in as many
    ListLedgerRange calls as its page size needs. Each reply is written as lines as it
    comes and then let go: a recall's package links to most of a ledger (the factory's
    production ledger, 50,000 entries), and its messages and dicts, held all at once,
    were the gateway's peak memory (docs/operations.md, "Memory")."""
    found: list[tuple[int, evidence.OneLine]] = []
    at = first
    while at <= last:
        reply = await context.calls.read_ledger(
            service, "ListLedgerRange", core_pb2.ListLedgerRangeRequest(from_seq=at, to_seq=last)
        )
        if not reply.entries:
            break
        found.extend((entry.seq, evidence.one_line(_entry_json(entry))) for entry in reply.entries)
        at = reply.entries[-1].seq + 1
    return found


async def build(
    context: GatewayContext, schema: Any, subject: Subject, store: PackageStore = STORE
) -> BuiltPackage:
    """Builds the package for `subject` as the caller; it expires after PACKAGE_TTL_SECONDS."""
    principal = context.caller()
    started = time.perf_counter()
    trace = await collect_trace(context, schema, subject)
    wanted = cited_entities(trace)
    trace_units = set(trace["units"]) if trace["kind"] == "unit" else None

    async def ledger_file_of(service: str) -> tuple[dict[str, Any], bytes, list[Any], str]:
        # Encoded as soon as this service answered, while the others' reads go on.
        ledger_file, used, key = await ledger_evidence(context, service, wanted, trace_units)
        return ledger_file, evidence.json_bytes(ledger_file), used, key

    per_service = await asyncio.gather(*(ledger_file_of(s) for s in SERVICES))
    keys = {key for _, _, _, key in per_service}
    if len(keys) != 1:
        raise Unavailable("the services sign with different keys; the package cannot be verified")
    files: dict[str, bytes] = {
        evidence.TRACE: evidence.json_bytes(trace),
        evidence.CHECKPOINTS: evidence.json_bytes([c for *_, cps, _ in per_service for c in cps]),
        evidence.PUBLIC_KEY: keys.pop().encode("ascii"),
    }
    ledgers: dict[str, dict[str, Any]] = {}
    for service, (ledger_file, encoded, _, _) in zip(SERVICES, per_service, strict=True):
        ledgers[service] = ledger_file
        files[f"{evidence.LEDGER_DIR}{service}.json"] = encoded
    created_at = iso(utcnow())
    about = {
        "subject": {"kind": subject.kind, "keys": list(subject.keys), "label": subject.label},
        "created_at": created_at,
        "created_by": principal.subject,
    }
    files["report.html"] = render_html(trace, ledgers, about).encode("utf-8")
    files["report.pdf"] = render_pdf(trace, ledgers, about)
    package_id, folder = store.new_path()
    file_name = f"{subject.file_stem}.zip"
    path = folder / file_name
    evidence.write_package(path, files, about)
    data = path.read_bytes()
    built = BuiltPackage(
        id=package_id,
        path=path,
        file_name=file_name,
        sha256=evidence.sha256(data),
        size_bytes=len(data),
        owner=principal.subject,
        expires=time.monotonic() + PACKAGE_TTL_SECONDS,
    )
    store.add(built)
    elapsed = time.perf_counter() - started
    EVIDENCE_SECONDS.labels(subject.kind).observe(elapsed)
    EVIDENCE_LAST_SECONDS.set(elapsed)
    EVIDENCE_SAMPLES.add(elapsed * 1000)
    return built


def download_path(package: BuiltPackage) -> str:
    return f"/evidence/{package.id}/{package.file_name}"


def download_endpoint(settings: GatewaySettings, store: PackageStore = STORE) -> Any:
    """GET /evidence/{package_id}/{file_name}: the package, to the caller who built it."""
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse

    async def download(request: Request) -> Any:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("send `Authorization: Bearer <JWT>`")
            principal = verify_token(settings.common.jwt_secret, token.strip())
        except Unauthenticated as refused:
            return JSONResponse(
                {"code": "UNAUTHENTICATED", "message": refused.message}, status_code=401
            )
        package = store.get(request.path_params["package_id"], principal.subject)
        if package is None or package.file_name != request.path_params["file_name"]:
            return JSONResponse(
                {
                    "code": "NOT_FOUND",
                    "message": "no such evidence package for you, or it expired "
                    f"({PACKAGE_TTL_SECONDS // 60} minutes after it was made); ask for it again",
                },
                status_code=404,
            )
        return FileResponse(package.path, media_type="application/zip", filename=package.file_name)

    return download
