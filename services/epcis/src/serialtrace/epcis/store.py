"""The EPCIS repository's tables and the queries over them.

Events are immutable: a row is inserted once with its record time and never updated
(PostgreSQL refuses UPDATE and DELETE on it, see the first migration). An error
declaration is a row of its own beside the event it declares erroneous (same eventID,
kind ERROR_DECLARATION), so a query answers both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, any_, bindparam, delete, exists, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.schema import ForeignKey, Index, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, Boolean, DateTime, Integer, String, Text

from serialtrace.common.db import bulk_insert, chunks, copy_insert
from serialtrace.common.models import Created, service_metadata
from serialtrace.epcis.domain import KIND_ERROR_DECLARATION, EventQuery, IndexedEvent


class Base(DeclarativeBase):
    metadata = service_metadata()


class EventRow(Base):
    __tablename__ = "epcis_events"
    __table_args__ = (
        UniqueConstraint("event_id", "kind"),
        Index("ix_epcis_events_event_time", "event_time"),
        Index("ix_epcis_events_record_time", "record_time"),
        Index("ix_epcis_events_biz_step", "biz_step"),
    )
    # Capture order: what pages are ordered by and continue after.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(30))
    action: Mapped[str | None] = mapped_column(String(10))
    biz_step: Mapped[str | None] = mapped_column(String(300))
    disposition: Mapped[str | None] = mapped_column(String(300))
    read_point: Mapped[str | None] = mapped_column(String(300))
    biz_location: Mapped[str | None] = mapped_column(String(300))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    record_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capture_id: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(200))
    event_json: Mapped[str] = mapped_column(Text)
    context_json: Mapped[str] = mapped_column(Text)  # the capturing document's @context


class EventIdentifierRow(Base):
    """Every identifier an event names, by role, in canonical form (the MATCH_ index)."""

    __tablename__ = "epcis_event_identifiers"
    __table_args__ = (Index("ix_epcis_event_identifiers_identifier", "identifier", "role"),)
    event_seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("epcis_events.seq"),
        primary_key=True,
    )
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(300), primary_key=True)


class CaptureJobRow(Created, Base):
    __tablename__ = "capture_jobs"
    capture_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    running: Mapped[bool] = mapped_column(Boolean)
    success: Mapped[bool] = mapped_column(Boolean)
    behaviour: Mapped[str] = mapped_column(String(10))  # rollback or proceed
    event_count: Mapped[int] = mapped_column(Integer)
    captured_count: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class EffectClaimRow(Base):
    """An audit entry a captured event's effect will write in its owner's ledger
    (service, action, entity): the ledger follower recognises that entry as this event's
    and implies no second event for it. Written with the event, before its effect."""

    __tablename__ = "epcis_effect_claims"
    __table_args__ = (Index("ix_epcis_effect_claims_fact", "service", "action", "entity_id"),)
    event_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(300))
    # The ledger entry ("service:seq") found to be this claim's, once followed.
    matched_entry: Mapped[str | None] = mapped_column(String(40))


class EffectOutcomeRow(Base):
    """How a captured event's effect went: APPLIED, or the owner's refusal code. An event
    with an effect and no outcome (or an outage) is applied again when captured again."""

    __tablename__ = "epcis_effect_outcomes"
    event_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerCursorRow(Base):
    """How far the follower has turned each service's audit ledger into events."""

    __tablename__ = "epcis_ledger_cursors"
    service: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def event_text(event: IndexedEvent) -> str:
    """The JSON an event is stored as (and its audit digest is taken of)."""
    return event.stored_json


# --- events ------------------------------------------------------------------------------


def stored_identities(session: Session, event_ids: Sequence[str]) -> dict[tuple[str, str], str]:
    """(eventID, kind) → content hash, for those of `event_ids` already stored."""
    found: dict[tuple[str, str], str] = {}
    for part in _id_sets(session, event_ids):
        rows = session.execute(
            select(EventRow.event_id, EventRow.kind, EventRow.content_hash).where(
                _among(session, EventRow.event_id, part)
            )
        )
        found |= {(r.event_id, r.kind): r.content_hash for r in rows}
    return found


def _id_sets(session: Session, ids: Sequence[str]) -> list[Sequence[str]]:
    """`ids` in one set on PostgreSQL (sent as one array), in IN-list chunks elsewhere."""
    unique = sorted(set(ids))
    if session.get_bind().dialect.name == "postgresql":
        return [unique] if unique else []
    return list(chunks(unique))


def _among(session: Session, column: Any, ids: Sequence[str]) -> Any:
    """`column` is one of `ids`: `= ANY(array)` on PostgreSQL, where an IN-list of 1,000
    placeholders costs more to build and parse than the lookup itself."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=postgresql.ARRAY(Text())))
    return column.in_(ids)


def insert_events(
    session: Session,
    events: Sequence[IndexedEvent],
    record_time: datetime,
    capture_id: str | None,
    recorded_by: str | Sequence[str],
    context: Any = None,
) -> list[int]:
    """Stores events (and their identifier index) with one record time; their seqs.
    `recorded_by`: who captured them, or what recorded each one."""
    if not events:
        return []
    recorders = [recorded_by] * len(events) if isinstance(recorded_by, str) else recorded_by
    context_json = _json(context) if context is not None else ""
    rows = [
        {
            "event_id": e.event_id,
            "kind": e.kind,
            "content_hash": e.content_hash,
            "event_type": e.event_type,
            "action": e.action,
            "biz_step": e.biz_step,
            "disposition": e.disposition,
            "read_point": e.read_point,
            "biz_location": e.biz_location,
            "event_time": e.event_time,
            "record_time": record_time,
            "capture_id": capture_id,
            "recorded_by": recorder,
            "event_json": event_text(e),
            "context_json": context_json,
        }
        for e, recorder in zip(events, recorders, strict=True)
    ]
    seqs = _next_seqs(session, len(rows))
    if seqs is None:
        inserted = bulk_insert(session, EventRow, rows, returning=("seq", "event_id", "kind"))
        seq_of = {(r.event_id, r.kind): r.seq for r in inserted}
        seqs = [seq_of[(e.event_id, e.kind)] for e in events]
    else:
        copy_insert(session, EventRow, [{"seq": q, **r} for q, r in zip(seqs, rows, strict=True)])
    copy_insert(
        session,
        EventIdentifierRow,
        [
            {"event_seq": seq, "role": role, "identifier": identifier}
            for seq, e in zip(seqs, events, strict=True)
            for role, identifier in sorted(e.identifiers)
        ],
    )
    return seqs


def _next_seqs(session: Session, count: int) -> list[int] | None:
    """`count` positions for new events, in order, from the table's sequence (PostgreSQL,
    so that COPY can store them); None elsewhere (the insert numbers them)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return list(
        session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('epcis_events', 'seq')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        )
    )


def query_events(session: Session, query: EventQuery, after: int, limit: int) -> list[EventRow]:
    """Events matching `query` in capture order, after position `after`, at most `limit`."""
    statement = select(EventRow).where(EventRow.seq > after)
    for values, column in (
        (query.event_types, EventRow.event_type),
        (query.actions, EventRow.action),
        (query.biz_steps, EventRow.biz_step),
        (query.dispositions, EventRow.disposition),
        (query.read_points, EventRow.read_point),
        (query.biz_locations, EventRow.biz_location),
        (query.event_ids, EventRow.event_id),
    ):
        if values:
            statement = statement.where(column.in_(values))
    for roles, identifiers in query.matches:
        statement = statement.where(
            exists().where(
                and_(
                    EventIdentifierRow.event_seq == EventRow.seq,
                    EventIdentifierRow.identifier.in_(identifiers),
                    EventIdentifierRow.role.in_(roles),
                )
            )
        )
    times = query.times
    if "GE_eventTime" in times:
        statement = statement.where(EventRow.event_time >= times["GE_eventTime"])
    if "LT_eventTime" in times:
        statement = statement.where(EventRow.event_time < times["LT_eventTime"])
    if "GE_recordTime" in times:
        statement = statement.where(EventRow.record_time >= times["GE_recordTime"])
    if "LT_recordTime" in times:
        statement = statement.where(EventRow.record_time < times["LT_recordTime"])
    if query.error_declared is not None:
        statement = statement.where(
            (EventRow.kind == KIND_ERROR_DECLARATION)
            if query.error_declared
            else (EventRow.kind != KIND_ERROR_DECLARATION)
        )
    return list(session.scalars(statement.order_by(EventRow.seq).limit(limit)))


def events_by_id(session: Session, event_id: str) -> list[EventRow]:
    """The event and any error declaration about it, in capture order."""
    return list(
        session.scalars(
            select(EventRow).where(EventRow.event_id == event_id).order_by(EventRow.seq)
        )
    )


# --- effects: claims and outcomes -------------------------------------------------------

APPLIED = "APPLIED"


def insert_claims(session: Session, claims: Sequence[tuple[str, int, str, str, str]]) -> None:
    """(event_id, n, service, action, entity_id) rows; a claim made before is kept."""
    bulk_insert(
        session,
        EffectClaimRow,
        [
            {"event_id": e, "n": n, "service": s, "action": a, "entity_id": i}
            for e, n, s, a, i in claims
        ],
        conflict_columns=("event_id", "n"),
    )


def record_outcomes(
    session: Session, outcomes: Sequence[tuple[str, str, str]], at: datetime
) -> None:
    """(event_id, outcome, message): the newest outcome of each event's effect."""
    ids = [e for e, _, _ in outcomes]
    for part in chunks(sorted(set(ids))):
        session.execute(delete(EffectOutcomeRow).where(EffectOutcomeRow.event_id.in_(part)))
    latest = {e: (o, m) for e, o, m in outcomes}
    bulk_insert(
        session,
        EffectOutcomeRow,
        [{"event_id": e, "outcome": o, "message": m, "at": at} for e, (o, m) in latest.items()],
    )


def outcomes(session: Session, event_ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks(sorted(set(event_ids))):
        rows = session.execute(
            select(EffectOutcomeRow.event_id, EffectOutcomeRow.outcome).where(
                EffectOutcomeRow.event_id.in_(part)
            )
        )
        found |= {r.event_id: r.outcome for r in rows}
    return found


def open_claims(
    session: Session, service: str, facts: Sequence[tuple[str, str]], live: Sequence[str]
) -> list[EffectClaimRow]:
    """Unmatched claims on (action, entity_id) facts of one service, in a fixed order, of
    events whose effect has not been refused: no outcome yet, or one of `live`."""
    found: list[EffectClaimRow] = []
    for part in chunks(sorted({i for _, i in facts})):
        statement = (
            select(EffectClaimRow)
            .outerjoin(EffectOutcomeRow, EffectOutcomeRow.event_id == EffectClaimRow.event_id)
            .where(
                EffectClaimRow.service == service,
                EffectClaimRow.entity_id.in_(part),
                EffectClaimRow.matched_entry.is_(None),
                (EffectOutcomeRow.outcome.is_(None)) | (EffectOutcomeRow.outcome.in_(live)),
            )
            .order_by(EffectClaimRow.event_id, EffectClaimRow.n)
        )
        found.extend(session.scalars(statement))
    return found


def match_claims(session: Session, matched: Sequence[tuple[str, int, str]]) -> None:
    """(event_id, n, "service:seq"): the ledger entry each claim was found to be."""
    for event_id, n, entry in matched:
        session.execute(
            update(EffectClaimRow)
            .where(EffectClaimRow.event_id == event_id, EffectClaimRow.n == n)
            .values(matched_entry=entry)
        )


# --- the ledger follower's cursors ---------------------------------------------------------


def cursors(session: Session) -> dict[str, int]:
    return {r.service: r.last_seq for r in session.scalars(select(LedgerCursorRow))}


def set_cursor(session: Session, service: str, last_seq: int) -> None:
    row = session.get(LedgerCursorRow, service)
    if row is None:
        session.add(LedgerCursorRow(service=service, last_seq=last_seq))
    else:
        row.last_seq = last_seq


# --- capture jobs ------------------------------------------------------------------------


def insert_job(session: Session, job: dict[str, Any]) -> CaptureJobRow:
    row = CaptureJobRow(**job)
    session.add(row)
    session.flush()
    return row


def finish_job(
    session: Session,
    capture_id: str,
    finished_at: datetime,
    success: bool,
    captured: int,
    errors: list[dict[str, Any]],
) -> None:
    session.execute(
        update(CaptureJobRow)
        .where(CaptureJobRow.capture_id == capture_id)
        .values(
            running=False,
            finished_at=finished_at,
            success=success,
            captured_count=captured,
            errors=errors,
        )
    )


def job(session: Session, capture_id: str) -> CaptureJobRow | None:
    return session.get(CaptureJobRow, capture_id)


def interrupt_running_jobs(session: Session, now: datetime) -> int:
    """Jobs a previous process left running: they will never finish; say so."""
    result = session.execute(
        update(CaptureJobRow)
        .where(CaptureJobRow.running.is_(True))
        .values(
            running=False,
            success=False,
            finished_at=now,
            errors=[
                {
                    "event_index": -1,
                    "code": "ABORTED",
                    "message": "the EPCIS service restarted before this capture finished: "
                    "capture the document again (what was stored is not stored twice, and "
                    "the effects not yet applied apply then)",
                }
            ],
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
