"""quality's governance facts: every unit it refers to, when each unit was held, and how
each recall was handled (scope time; creation to every item resolved)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serialtrace.common import ledger
from serialtrace.common.governance_api import Fact, GovernanceFacts, RecallTiming
from serialtrace.common.ledger import unit_entity
from serialtrace.common.timeutil import as_utc, iso
from serialtrace.quality import store


def facts(session: Session) -> GovernanceFacts:
    windows = [
        f"{unit_entity(sku, serial)}|{iso(placed)}|{iso(released) if released else ''}"
        for sku, serial, placed, released in session.execute(
            select(
                store.HoldCoverageRow.sku,
                store.HoldCoverageRow.serial,
                store.HoldRow.placed_at,
                store.HoldRow.released_at,
            ).join(store.HoldRow, store.HoldRow.id == store.HoldCoverageRow.hold_id)
        )
    ]
    refs = [w.split("|", 1)[0] for w in windows]
    for model in (store.RecallItemRow,):
        refs += [unit_entity(s, n) for s, n in session.execute(select(model.sku, model.serial))]
    for table in (store.InspectionRow, store.HoldSubjectRow):
        refs += [
            unit_entity(s, k)
            for s, k in session.execute(
                select(table.sku, table.key).where(table.subject_kind == "UNIT")
            )
        ]
    return GovernanceFacts(
        [
            Fact("unit_refs", len(set(refs)), refs),
            Fact("hold_windows", len(windows), windows),
        ],
        recall_timings(session),
    )


def recall_timings(session: Session) -> list[RecallTiming]:
    """A closed recall is resolved at its last item's resolution (or at its creation when
    nothing was in scope), as its own ledger recorded it."""
    last_resolution: dict[str, datetime] = {}
    resolutions = session.execute(
        select(ledger.audit_ledger.c.at, ledger.audit_ledger.c.payload).where(
            ledger.audit_ledger.c.action == "recall.item_resolved"
        )
    )
    for at, payload in resolutions:
        recall_id = str(json.loads(payload).get("recall", ""))
        stamp = as_utc(at)
        if recall_id not in last_resolution or stamp > last_resolution[recall_id]:
            last_resolution[recall_id] = stamp
    timings = []
    for recall in session.scalars(select(store.RecallRow)):
        created = as_utc(recall.created_at)
        resolved = last_resolution.get(recall.id, created) if recall.status == "CLOSED" else None
        timings.append(RecallTiming(recall.id, recall.scope_computed_in_ms, created, resolved))
    return timings
