"""Unit of work for mutations: one transaction holding the change, its audit entries
and its idempotency record, so none of them exists without the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from serialtrace.common import idempotency, ledger
from serialtrace.common.auth import Principal, current_principal
from serialtrace.common.db import Database
from serialtrace.common.errors import Conflict, Unavailable

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Message)

# PostgreSQL: serialization_failure, deadlock_detected.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class UnitOfWork:
    """What a use case gets: the session, the acting principal, and the audit recorder."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.pending: list[ledger.PendingEntry] = []

    @property
    def actor(self) -> str:
        return self.principal.subject

    def record(
        self, action: str, entity_type: str, entity_id: str, payload: dict[str, Any]
    ) -> None:
        """Records a state change in the audit ledger when the transaction commits."""
        self.pending.append(ledger.PendingEntry(action, entity_type, entity_id, payload))


class Mutations:
    """Runs mutating use cases: idempotent, audited, all-or-nothing."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def run(
        self,
        method: str,
        request: Message,
        response_type: type[R],
        handler: Callable[[UnitOfWork], R],
    ) -> R:
        """Runs `handler` in one transaction; replays the stored response for a known key."""
        principal = current_principal()
        key: str = getattr(request, "idempotency_key", "") or ""
        fp = ""
        if key:
            idempotency.check_key(key)
            fp = idempotency.fingerprint(method, request, principal.subject)
            replayed = self._replay(key, method, fp, response_type)
            if replayed is not None:
                return replayed
        try:
            with self.database.transaction() as session:
                uow = UnitOfWork(session, principal)
                response = handler(uow)
                ledger.append(session, principal.subject, uow.pending)
                if key:
                    idempotency.store(session, key, method, fp, response.SerializeToString())
            return response
        except OperationalError as exc:
            # Deadlocks and serialization failures are resolved by retrying; nothing
            # was written.
            if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
                raise Unavailable(
                    "the change collided with a concurrent one and was rolled "
                    "back; retry it with the same idempotency key"
                ) from None
            raise
        except IntegrityError as exc:
            # A concurrent request with the same key won the race: answer as it did.
            if key and (replayed := self._replay(key, method, fp, response_type)) is not None:
                return replayed
            log.info("integrity conflict in %s: %s", method, exc.orig)
            raise Conflict(
                "a concurrent request changed the same records first; nothing was written, "
                "read the current state and retry"
            ) from None

    def _replay(self, key: str, method: str, fp: str, response_type: type[R]) -> R | None:
        with self.database.reader() as session:
            stored = idempotency.lookup(session, key)
        if stored is None:
            return None
        return response_type.FromString(idempotency.replay(stored, key, method, fp))


def create_shared_tables(connection: Any) -> None:
    """Creates the audit ledger (with its append-only guards) and the idempotency table.

    Called from each service's first migration, so the definitions live only here.
    """
    tables: list[Table] = [ledger.audit_ledger, idempotency.idempotency_keys]
    for table in tables:
        table.create(connection)
    ledger.install_guards(connection)
