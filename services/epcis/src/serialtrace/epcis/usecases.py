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
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from serialtrace.common import ledger
from serialtrace.common.auth import Principal
from serialtrace.common.db import Database
from serialtrace.common.errors import Conflict, InvalidArgument, NotFound, ServiceError
from serialtrace.common.timeutil import iso, utcnow
from serialtrace.epcis import domain, store
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

    def check(self, events: Sequence[domain.IndexedEvent]) -> list[ServiceError | None]:
        """For each event, why it cannot apply (None: it can, or it has no effect)."""

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


@dataclass
class Prepared:
    fresh: list[tuple[int, domain.IndexedEvent]]  # to store, with their document index
    errors: list[CaptureError]


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
    for n, event in candidates:
        identity = (event.event_id, event.kind)
        earlier = stored.get(identity) or seen.get(identity)
        if earlier is None:
            seen[identity] = event.content_hash
            fresh.append((n, event))
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
    verdicts = effects.check([e for _, e in fresh])
    kept: list[tuple[int, domain.IndexedEvent]] = []
    for (n, event), verdict in zip(fresh, verdicts, strict=True):
        if verdict is None:
            kept.append((n, event))
        else:
            errors.append(CaptureError(n, verdict.code.name, verdict.message, event.event_id))
    errors.sort(key=lambda e: e.event_index)
    return Prepared(kept, errors)


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
                    ledger.append(session, principal.subject, _audit(events, capture_id))
                break
            except IntegrityError:
                # A concurrent capture stored some of these events first: prepare again,
                # and they are repeats now.
                if attempt == 2:
                    raise
        errors = list(prepared.errors)
        index_of = {e.event_id: n for n, e in prepared.fresh}
        for event, failure in zip(events, effects.apply(events), strict=True):
            if failure is not None:
                errors.append(
                    CaptureError(
                        index_of[event.event_id], failure.code.name, failure.message, event.event_id
                    )
                )
        _finish(database, capture_id, not errors, len(events), errors)
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
    database: Database, capture_id: str, success: bool, captured: int, errors: list[CaptureError]
) -> None:
    with database.transaction() as session:
        store.finish_job(
            session, capture_id, utcnow(), success, captured, [e.as_dict() for e in errors]
        )


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
    (verdict,) = effects.check([indexed])
    if verdict is not None:
        return None, [CaptureError(0, verdict.code.name, verdict.message, indexed.event_id)], None
    # The effect first: if its owner refuses it, nothing is stored. It applies under a
    # key derived from the eventID, so a retry after a failed store applies it once.
    (failure,) = effects.apply([indexed])
    if failure is not None:
        return None, [CaptureError(0, failure.code.name, failure.message, indexed.event_id)], None
    record_time = utcnow()
    try:
        with database.transaction() as session:
            store.insert_events(session, [indexed], record_time, None, principal.subject, context)
            ledger.append(session, principal.subject, _audit([indexed], None))
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
