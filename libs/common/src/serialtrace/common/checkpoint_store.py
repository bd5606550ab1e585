"""Signed ledger checkpoints in the database: signing the head, reading them back,
verifying the chain against them, and the schedule that signs in the background."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from serialtrace.common import checkpoints, ledger
from serialtrace.common.checkpoints import Checkpoint
from serialtrace.common.config import SigningSettings
from serialtrace.common.db import Database
from serialtrace.common.signing import Signer
from serialtrace.common.timeutil import as_utc, utcnow

# The end of the name of the thread that signs checkpoints (tests leave its SQL out).
CHECKPOINTER_THREAD_SUFFIX = "-checkpointer"

log = logging.getLogger(__name__)

# Serializes signers of one database (two replicas of a service on one schedule).
_CHECKPOINT_LOCK_KEY = 0x5E71C4EC6B
# How often the background checkpointer looks at the head (one indexed query).
POLL_SECONDS = 2.0

_table = ledger.ledger_checkpoints


def _checkpoint(service: str, row: object) -> Checkpoint:
    return Checkpoint(
        service=service,
        seq=row.seq,  # type: ignore[attr-defined]
        hash=row.hash,  # type: ignore[attr-defined]
        signed_at=as_utc(row.signed_at),  # type: ignore[attr-defined]
        key_id=row.key_id,  # type: ignore[attr-defined]
        signature=row.signature,  # type: ignore[attr-defined]
    )


def stored_checkpoints(session: Session, service: str) -> list[Checkpoint]:
    """Every checkpoint in this database, oldest head first."""
    rows = session.execute(select(_table).order_by(_table.c.seq, _table.c.id)).all()
    return [_checkpoint(service, row) for row in rows]


def latest(session: Session, service: str) -> Checkpoint | None:
    row = session.execute(select(_table).order_by(_table.c.id.desc()).limit(1)).first()
    return _checkpoint(service, row) if row else None


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHECKPOINT_LOCK_KEY})


def sign_head(session: Session, service: str, signer: Signer) -> Checkpoint | None:
    """Signs the committed head and stores the checkpoint; None for an empty ledger."""
    _lock(session)
    seq, head_hash = ledger.head(session)
    if seq == 0:
        return None
    checkpoint = checkpoints.sign(signer.private_key, service, seq, head_hash, utcnow())
    session.execute(
        insert(_table).values(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        )
    )
    return checkpoint


@dataclass(frozen=True)
class LedgerReport:
    """The chain's verification together with what the signed checkpoints say of it."""

    service: str
    chain: ledger.Verification
    ok: bool
    first_broken_seq: int | None
    problem: str | None
    checkpoints: int
    latest_checkpoint: Checkpoint | None
    # Entries after the latest checkpoint: chained but not yet signed.
    unsigned_entries: int
    key_id: str


def verify(
    session: Session,
    service: str,
    public_key: Ed25519PublicKey,
    kept_elsewhere: Iterable[Checkpoint] = (),
) -> LedgerReport:
    """Recomputes the chain and checks it against every checkpoint stored with it and
    any the caller kept elsewhere; names the first seq where they disagree."""
    matcher = checkpoints.CheckpointMatcher(
        service, [*stored_checkpoints(session, service), *kept_elsewhere], public_key
    )
    chain = ledger.verify(session, watch=matcher.by_seq)
    for seq, entry_hash in sorted(chain.hashes.items()):  # the verified entries signed for
        matcher.see(seq, entry_hash)
    finding = matcher.finish(chain.entries) if chain.ok else matcher.finding
    first_broken, problem = chain.first_broken_seq, chain.problem
    if finding is not None and (first_broken is None or finding.seq < first_broken):
        first_broken, problem = finding.seq, finding.problem
    signed_seq = matcher.latest.seq if matcher.latest else 0
    return LedgerReport(
        service=service,
        chain=chain,
        ok=chain.ok and finding is None,
        first_broken_seq=first_broken,
        problem=problem,
        checkpoints=matcher.count,
        latest_checkpoint=matcher.latest,
        unsigned_entries=max(0, chain.entries - signed_seq) if chain.ok else 0,
        key_id=checkpoints.key_id(public_key),
    )


def checkpoint_due(
    head_seq: int,
    last: Checkpoint | None,
    now: datetime,
    settings: SigningSettings,
    running_since: datetime,
) -> bool:
    """Whether the schedule signs now: `every` entries since the last checkpoint, or
    `interval_seconds` since it (or since start, before the first), with entries."""
    if head_seq == 0:
        return False
    signed_seq = last.seq if last else 0
    if settings.every and head_seq - signed_seq >= settings.every:
        return True
    if settings.interval_seconds:
        since = last.signed_at if last else running_since
        return (now - since).total_seconds() >= settings.interval_seconds
    return False


class Checkpointer:
    """Signs the head in the background when `checkpoint_due` says so."""

    def __init__(
        self, service: str, database: Database, signer: Signer, settings: SigningSettings
    ) -> None:
        self.service, self.database, self.signer, self.settings = (
            service,
            database,
            signer,
            settings,
        )
        self.running_since = utcnow()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Checkpoint | None:
        """One look at the head; the checkpoint signed, if one was due."""
        with self.database.reader() as session:
            seq, _ = ledger.head(session)
            last = latest(session, self.service)
        if not checkpoint_due(seq, last, utcnow(), self.settings, self.running_since):
            return None
        with self.database.transaction() as session:
            # Re-checked under the lock: another replica may have just signed.
            _lock(session)
            last = latest(session, self.service)
            seq, _ = ledger.head(session)
            if not checkpoint_due(seq, last, utcnow(), self.settings, self.running_since):
                return None
            return sign_head(session, self.service, self.signer)

    def start(self) -> None:
        if not (self.settings.every or self.settings.interval_seconds):
            return
        self._thread = threading.Thread(
            target=self._loop, name=f"{self.service}{CHECKPOINTER_THREAD_SUFFIX}", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            started = time.monotonic()
            try:
                signed = self.run_once()
            except Exception:  # the next round tries again; the service keeps serving
                log.exception("signing a %s ledger checkpoint failed", self.service)
                continue
            if signed is not None:
                log.info(
                    "signed %s ledger checkpoint at seq %d in %.1f ms",
                    self.service,
                    signed.seq,
                    (time.monotonic() - started) * 1000,
                )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
