"""Capture and query, over the store: receipt (parse + schema), the capture job, the
one-event capture, and the queries.

A document is validated against the schema on receipt; a job then gives every event
its identity (its eventID, or its CBV 2.0 hash), sets aside repeats of stored events
(the same event captured twice changes nothing) and checks what each event would do
in the suite (`effects`), all before anything is written. With rollback one refused
event fails the whole document; with proceed the others are stored. Events are then
stored in one transaction with their record time and an audit entry each, and their
effects applied, each under an idempotency key derived from its eventID.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from serialtrace.common import ledger
from serialtrace.common.auth import Principal
from serialtrace.common.db import Database
from serialtrace.common.errors import Conflict, InvalidArgument, NotFound, ServiceError
from serialtrace.common.timeutil import iso, utcnow
from serialtrace.epcis import domain, implied, store
from serialtrace.epcis.event_hash import (
    document_events,
    document_vocabulary,
    hash_of_prehash,
    ignore_fields,
    prehash,
)
from serialtrace.epcis.validation import Violation, validate_document, validate_event

log = logging.getLogger(__name__)

ROLLBACK, PROCEED = "rollback", "proceed"
DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
MAX_DOCUMENT_EVENTS = 10_000
ENTITY_CAPTURE = "epcis_capture"  # audit entity: a capture job, or the event captured alone


@dataclass(frozen=True)
class CaptureError:
    event_index: int  # -1: the document itself
    code: str
    message: str
    event_id: str = ""
    pointer: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_index": self.event_index,
            "event_id": self.event_id,
            "code": self.code,
            "pointer": self.pointer,
            "message": self.message,
        }


def _from_violation(v: Violation) -> CaptureError:
    return CaptureError(
        -1 if v.event_index is None else v.event_index, "INVALID_ARGUMENT", v.message, "", v.pointer
    )


class Effects(Protocol):
    """What captured events do in the suite (production, warehouse, quality)."""

    def check(self, events: Sequence[domain.IndexedEvent]) -> domain.Checked:
        """For each event, why it cannot apply (None: it can, or it has no effect), and
        the ledger entries (service, action, entity) its effect will write."""

    def apply(self, events: Sequence[domain.IndexedEvent]) -> list[ServiceError | None]:
        """Applies each event's effect, idempotently; why one failed, if it did."""


# --- receipt -----------------------------------------------------------------------------


def parse_json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"the {what} is not JSON: {str(exc)[:100]}") from None


@dataclass
class Receipt:
    """A document accepted for capture: the events the schema refused are in `refused`
    (only with proceed: with rollback any refusal refuses the document)."""

    document: dict[str, Any]
    refused: dict[int, list[CaptureError]] = field(default_factory=dict)
    violations: list[CaptureError] = field(default_factory=list)  # document refused


def receive(raw: bytes, behaviour: str) -> Receipt:
    document = parse_json(raw, "document")
    if not isinstance(document, dict) or document.get("type") not in DOCUMENT_TYPES:
        raise InvalidArgument(
            "the document must be a JSON object with type EPCISDocument or EPCISQueryDocument"
        )
    violations = [_from_violation(v) for v in validate_document(document)]
    receipt = Receipt(document)
    if any(v.event_index < 0 for v in violations) or (violations and behaviour == ROLLBACK):
        receipt.violations = violations
        return receipt
    count = len(document_events(document))
    if count > MAX_DOCUMENT_EVENTS:
        raise InvalidArgument(
            f"the document has {count} events; at most {MAX_DOCUMENT_EVENTS} are captured at once"
        )
    for v in violations:
        receipt.refused.setdefault(v.event_index, []).append(v)
    return receipt


def start_job(
    database: Database, receipt: Receipt, behaviour: str, principal: Principal
) -> store.CaptureJobRow:
    with database.transaction() as session:
        return store.insert_job(
            session,
            {
                "capture_id": str(uuid.uuid4()),
                "created_at": utcnow(),
                "created_by": principal.subject,
                "finished_at": None,
                "running": True,
                "success": False,
                "behaviour": behaviour,
                "event_count": len(document_events(receipt.document)),
                "captured_count": 0,
                "errors": [],
            },
        )


# --- the capture job ---------------------------------------------------------------------


# Outcomes after which an effect is applied again when its event is captured again (the
# owner was not reached, or did not answer): the owner replays what it did under the key.
RETRIED = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN", "ABORTED"})
LIVE_OUTCOMES = (store.APPLIED, *sorted(RETRIED))  # claims of these still stand


@dataclass
class Prepared:
    fresh: list[tuple[int, domain.IndexedEvent]]  # to store, with their document index
    errors: list[CaptureError]
    claims: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    # Stored events of the document whose effect is not known to have applied.
    unfinished: list[tuple[int, domain.IndexedEvent]] = field(default_factory=list)


def _claim_rows(
    event: domain.IndexedEvent, claims: list[tuple[str, str, str]]
) -> list[tuple[str, int, str, str, str]]:
    return [(event.event_id, n, *claim) for n, claim in enumerate(claims)]


def prepare(session: Session, receipt: Receipt, effects: Effects) -> Prepared:
    """Identity, repeats and preconditions of every event, before anything is written."""
    document = receipt.document
    events = document_events(document)
    context = document.get("@context")
    vocabulary = document_vocabulary(events)
    ignored = ignore_fields(document)
    errors: list[CaptureError] = [e for n in sorted(receipt.refused) for e in receipt.refused[n]]
    candidates: list[tuple[int, domain.IndexedEvent]] = []
    for n, raw_event in enumerate(events):
        if n in receipt.refused:
            continue
        content = hash_of_prehash(prehash(raw_event, context, vocabulary, ignored))
        candidates.append((n, domain.index_event(raw_event, context, content)))
    stored = store.stored_identities(session, [e.event_id for _, e in candidates])
    seen: dict[tuple[str, str], str] = {}
    fresh: list[tuple[int, domain.IndexedEvent]] = []
    repeats: list[tuple[int, domain.IndexedEvent]] = []
    for n, event in candidates:
        identity = (event.event_id, event.kind)
        earlier = stored.get(identity) or seen.get(identity)
        if earlier is None:
            seen[identity] = event.content_hash
            fresh.append((n, event))
        elif identity in stored and earlier == event.content_hash:
            repeats.append((n, event))
        elif earlier != event.content_hash:
            errors.append(
                CaptureError(
                    n,
                    "ALREADY_EXISTS",
                    "another event with this eventID is already captured; an eventID names "
                    "one event (to correct it, capture it again with an errorDeclaration)",
                    event.event_id,
                )
            )
        # else: a repeat of a stored event (or of one earlier in the document): no change.
    checked = effects.check([e for _, e in fresh])
    kept: list[tuple[int, domain.IndexedEvent]] = []
    claims: list[tuple[str, int, str, str, str]] = []
    for (n, event), verdict, claimed in zip(fresh, checked.verdicts, checked.claims, strict=True):
        if verdict is None:
            kept.append((n, event))
            claims += _claim_rows(event, claimed)
        else:
            errors.append(CaptureError(n, verdict.code.name, verdict.message, event.event_id))
    errors.sort(key=lambda e: e.event_index)
    return Prepared(kept, errors, claims, _unfinished(session, repeats))


def _unfinished(
    session: Session, repeats: list[tuple[int, domain.IndexedEvent]]
) -> list[tuple[int, domain.IndexedEvent]]:
    """The stored events among `repeats` whose effect did not finish (the owner was not
    reached, or the capture stopped before applying it): captured again, they apply."""
    acting = [(n, e) for n, e in repeats if domain.effect_of(e) is not None]
    if not acting:
        return []
    done = store.outcomes(session, [e.event_id for _, e in acting])
    return [(n, e) for n, e in acting if done.get(e.event_id, "UNAVAILABLE") in RETRIED]


def _audit(events: Sequence[domain.IndexedEvent], capture_id: str | None) -> list[Any]:
    """One audit entry per capture (a document's events, or one event): who stored which
    events, each with the digest of its stored JSON, so the ledger vouches for the events
    themselves. One entry, not one per event: a 1,000-event document is one act."""
    if not events:
        return []
    return [
        ledger.PendingEntry(
            "epcis.events.captured",
            ENTITY_CAPTURE,
            capture_id or events[0].event_id,
            {
                "captureId": capture_id,
                "events": [
                    {
                        "eventID": e.event_id,
                        "kind": e.kind,
                        "contentHash": e.content_hash,
                        "sha256": hashlib.sha256(store.event_text(e).encode()).hexdigest(),
                    }
                    for e in events
                ],
            },
        )
    ]


def run_job(
    database: Database,
    capture_id: str,
    receipt: Receipt,
    behaviour: str,
    principal: Principal,
    effects: Effects,
) -> None:
    """The capture job: runs to the end and records its outcome, whatever happens."""
    try:
        for attempt in (1, 2):
            with database.reader() as session:
                prepared = prepare(session, receipt, effects)
            refused = bool(prepared.errors) and behaviour == ROLLBACK
            events = [] if refused else [e for _, e in prepared.fresh]
            try:
                with database.transaction() as session:
                    store.insert_events(
                        session,
                        events,
                        utcnow(),
                        capture_id,
                        principal.subject,
                        receipt.document.get("@context"),
                    )
                    # Before the effects: the follower must know their entries are theirs.
                    store.insert_claims(session, [] if refused else prepared.claims)
                    ledger.append(session, principal.subject, _audit(events, capture_id))
                break
            except IntegrityError:
                # A concurrent capture stored some of these events first: prepare again,
                # and they are repeats now.
                if attempt == 2:
                    raise
        errors = list(prepared.errors)
        acting = [] if refused else [*prepared.fresh, *prepared.unfinished]
        acting = [(n, e) for n, e in acting if domain.effect_of(e) is not None]
        failures = effects.apply([e for _, e in acting])
        for (n, event), failure in zip(acting, failures, strict=True):
            if failure is not None:
                errors.append(CaptureError(n, failure.code.name, failure.message, event.event_id))
        errors.sort(key=lambda e: e.event_index)
        outcomes = [
            (e.event_id, f.code.name if f else store.APPLIED, f.message if f else "")
            for (_, e), f in zip(acting, failures, strict=True)
        ]
        _finish(database, capture_id, not errors, len(events), errors, outcomes, principal)
    except Exception:
        log.exception("capture job %s failed", capture_id)
        _finish(
            database,
            capture_id,
            False,
            0,
            [CaptureError(-1, "INTERNAL", "the capture failed inside the EPCIS service")],
        )


def _finish(
    database: Database,
    capture_id: str,
    success: bool,
    captured: int,
    errors: list[CaptureError],
    outcomes: Sequence[tuple[str, str, str]] = (),
    principal: Principal | None = None,
) -> None:
    now = utcnow()
    with database.transaction() as session:
        store.finish_job(session, capture_id, now, success, captured, [e.as_dict() for e in errors])
        _record_outcomes(session, outcomes, principal, capture_id, now)


def _record_outcomes(
    session: Session,
    outcomes: Sequence[tuple[str, str, str]],
    principal: Principal | None,
    capture_id: str | None,
    now: datetime,
) -> None:
    """How each event's effect went, with its audit entry (one per capture)."""
    if not outcomes or principal is None:
        return
    store.record_outcomes(session, outcomes, now)
    entry = ledger.PendingEntry(
        "epcis.effects.applied",
        ENTITY_CAPTURE,
        capture_id or outcomes[0][0],
        {
            "captureId": capture_id,
            "outcomes": [{"eventID": e, "outcome": o} for e, o, _ in outcomes],
        },
    )
    ledger.append(session, principal.subject, [entry])


def get_job(session: Session, capture_id: str) -> store.CaptureJobRow:
    row = store.job(session, capture_id)
    if row is None:
        raise NotFound(f"no capture job {capture_id[:100]!r}")
    return row


# --- one event -----------------------------------------------------------------------------


def capture_event(
    database: Database, raw: bytes, principal: Principal, effects: Effects
) -> tuple[domain.IndexedEvent | None, list[CaptureError], Any]:
    """Captures one event synchronously: (the event, [], record time), or (None, why, None).
    Conflict when an event with its eventID is stored (a repeat included)."""
    event = parse_json(raw, "event")
    if not isinstance(event, dict):
        raise InvalidArgument("the event must be a JSON object")
    context = event.pop("@context", None)
    violations = [_from_violation(v) for v in validate_event(event)]
    if violations:
        return None, violations, None
    indexed = domain.index_event(event, context)
    with database.reader() as session:
        if store.stored_identities(session, [indexed.event_id]).get(
            (indexed.event_id, indexed.kind)
        ):
            raise Conflict(f"an event with eventID {indexed.event_id[:100]!r} is already captured")
    checked = effects.check([indexed])
    (verdict,), (claimed,) = checked.verdicts, checked.claims
    if verdict is not None:
        return None, [CaptureError(0, verdict.code.name, verdict.message, indexed.event_id)], None
    acts = domain.effect_of(indexed) is not None
    if acts:
        with database.transaction() as session:
            store.insert_claims(session, _claim_rows(indexed, claimed))
    # The effect first: if its owner refuses it, nothing is stored. It applies under a
    # key derived from the eventID, so a retry after a failed store applies it once.
    (failure,) = effects.apply([indexed])
    if failure is not None:
        with database.transaction() as session:
            outcome = [(indexed.event_id, failure.code.name, failure.message)]
            _record_outcomes(session, outcome, principal, None, utcnow())
        return None, [CaptureError(0, failure.code.name, failure.message, indexed.event_id)], None
    record_time = utcnow()
    try:
        with database.transaction() as session:
            store.insert_events(session, [indexed], record_time, None, principal.subject, context)
            ledger.append(session, principal.subject, _audit([indexed], None))
            if acts:
                outcome = [(indexed.event_id, store.APPLIED, "")]
                _record_outcomes(session, outcome, principal, None, record_time)
    except IntegrityError:
        raise Conflict(
            f"an event with eventID {indexed.event_id[:100]!r} is already captured"
        ) from None
    return indexed, [], record_time


# --- queries -------------------------------------------------------------------------------


def answer(row: store.EventRow) -> tuple[str, str]:
    """(event JSON with its recordTime, context JSON) of a stored event."""
    event = json.loads(row.event_json)
    event["recordTime"] = iso(row.record_time)
    return json.dumps(event, ensure_ascii=False), row.context_json


def query(
    session: Session, parameters: Sequence[tuple[str, str]], page_size: int, token: str
) -> tuple[list[store.EventRow], str]:
    parsed = domain.parse_query(parameters)
    size = domain.page_size_of(page_size)
    rows = store.query_events(session, parsed, domain.after_seq(token), size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return rows, domain.page_token(rows[-1].seq) if more else ""


def event_by_id(session: Session, event_id: str) -> list[store.EventRow]:
    rows = store.events_by_id(session, event_id)
    if not rows:
        raise NotFound(f"no event with eventID {event_id[:100]!r}")
    return rows


def follower_positions(session: Session) -> list[tuple[str, int]]:
    """Each followed ledger's last seq that the follower has passed, by service name."""
    return sorted(store.cursors(session).items())


# --- events implied by the owners' ledgers ---------------------------------------------------

FOLLOW_BATCH = 2_000  # entries read from one ledger in one pass
# An entry is turned into an event once it is this old: every entry older than it has
# committed by then (an entry's time is taken just before its transaction commits), so
# the events of all four ledgers go into the repository in time order.
SETTLE = timedelta(seconds=1)


class Ledgers(Protocol):
    """The owners' audit ledgers, read in order, and the GS1 names of what they name."""

    def identity(self) -> Principal: ...

    def entries(self, service: str, after: int, limit: int) -> list[implied.LedgerEntry]: ...

    def resolve(self, entries: list[implied.LedgerEntry]) -> implied.Names: ...


def follow(database: Database, ledgers: Ledgers) -> int:
    """One pass over the owners' ledgers: their new entries (up to FOLLOW_BATCH each)
    become the events they imply, in time order, except the entries a captured event's
    own effect wrote (its claims). Returns how many events it stored; the cursors, the
    events and the matched claims commit together, so a pass that fails or a restart
    leaves nothing half done.

    Implied events are a projection of the owners' ledgers, not a change of their own:
    each names the entry it comes from (recorded_by), which is its audit record, and
    they write no entry in this service's ledger (it holds what was captured)."""
    started = utcnow()
    with database.reader() as session:
        positions = store.cursors(session)
    read = {s: ledgers.entries(s, positions.get(s, 0), FOLLOW_BATCH) for s in implied.FOLLOWED}
    # A ledger with more to read bounds the others: nothing later than what it gave yet.
    cutoff = min(
        [started - SETTLE]
        + [entries[-1].at for entries in read.values() if len(entries) >= FOLLOW_BATCH]
    )
    settled = [e for entries in read.values() for e in entries if e.at <= cutoff]
    if not settled:
        return 0
    settled.sort(key=lambda e: (e.at, implied.FOLLOWED.index(e.service), e.seq))
    names = ledgers.resolve(settled)
    implied_events = [(entry, implied.implied_event(entry, names)) for entry in settled]
    acting = [(entry, event) for entry, event in implied_events if event is not None]
    with database.transaction() as session:
        matched = _match_claims(session, [entry for entry, _ in acting])
        kept = [(entry, event) for entry, event in acting if entry.position not in matched]
        indexed = [(entry, domain.index_event(event)) for entry, event in kept]
        stored = store.stored_identities(session, [e.event_id for _, e in indexed])
        new = _first_of_each(
            [(entry, e) for entry, e in indexed if (e.event_id, e.kind) not in stored]
        )
        sources = [f"ledger {entry.position}" for entry, _ in new]  # each one's origin
        store.insert_events(session, [e for _, e in new], started, None, sources)
        store.match_claims(session, [(*claim, position) for position, claim in matched.items()])
        for service, entries in read.items():
            done = [e.seq for e in entries if e.at <= cutoff]
            if done:
                store.set_cursor(session, service, done[-1])
    return len(new)


def _first_of_each(
    implied_events: list[tuple[implied.LedgerEntry, domain.IndexedEvent]],
) -> list[tuple[implied.LedgerEntry, domain.IndexedEvent]]:
    """One event per identity: two entries can imply the same event (two operations a
    unit passed in one transaction, both PASS, are one `inspecting` observation at one
    time), and EPCIS stores an event once; the first entry is its source."""
    seen: set[tuple[str, str]] = set()
    first = []
    for entry, event in implied_events:
        if (event.event_id, event.kind) not in seen:
            seen.add((event.event_id, event.kind))
            first.append((entry, event))
    return first


def _match_claims(
    session: Session, entries: list[implied.LedgerEntry]
) -> dict[str, tuple[str, int]]:
    """Entry position → the (event_id, n) claim it fulfils, for the entries a captured
    event's effect wrote."""
    matched: dict[str, tuple[str, int]] = {}
    for service in implied.FOLLOWED:
        mine = [e for e in entries if e.service == service]
        if not mine:
            continue
        open_claims: dict[tuple[str, str], list[tuple[str, int]]] = {}
        facts = [(e.action, e.entity_id) for e in mine]
        for claim in store.open_claims(session, service, facts, LIVE_OUTCOMES):
            open_claims.setdefault((claim.action, claim.entity_id), []).append(
                (claim.event_id, claim.n)
            )
        for entry in mine:
            waiting = open_claims.get((entry.action, entry.entity_id))
            if waiting:
                matched[entry.position] = waiting.pop(0)
    return matched
