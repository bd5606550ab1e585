"""Unit of work for mutations: one transaction holding the change, its audit entries
and its idempotency record, so none of them exists without the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from serialtrace.common import idempotency, ledger
from serialtrace.common.auth import Principal, current_principal
from serialtrace.common.db import Database
from serialtrace.common.errors import Conflict, ServiceError, Unavailable

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Message)
Q = TypeVar("Q", bound=Message)
T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class UnitOfWork:
    """What a use case gets: the session, the acting principal, and the audit recorder."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.pending: list[ledger.PendingEntry] = []
        self._rows_at_commit: list[tuple[Table, dict[str, Any]]] = []
        self._statements_at_commit: list[tuple[str, dict[str, Any]]] = []

    @property
    def actor(self) -> str:
        return self.principal.subject

    def record(
        self, action: str, entity_type: str, entity_id: str, payload: dict[str, Any]
    ) -> None:
        """Records a state change in the audit ledger when the transaction commits."""
        self.pending.append(ledger.PendingEntry(action, entity_type, entity_id, payload))

    def insert_at_commit(self, table: Table, row: dict[str, Any]) -> None:
        """Inserts a row of the change as the transaction commits, in the round trip that
        takes the ledger's lock (no statement, no ORM flush of its own). For rows the
        change does not read back; a refusal of the database fails the whole write."""
        self._rows_at_commit.append((table, row))

    def execute_at_commit(self, sql: str, params: dict[str, Any]) -> None:
        """Runs a PostgreSQL statement of the change (psycopg placeholders) as the
        transaction commits, in the round trip that takes the ledger's lock, before the
        rows at commit: for a write the change does not read back, on rows it has locked
        already (an UPDATE of a unit's status). A refusal fails the whole write."""
        self._statements_at_commit.append((sql, params))

    def rows_at_commit(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        """The rows to insert at commit, one insert per run of rows of one table and shape."""
        inserts: list[tuple[Table, list[dict[str, Any]]]] = []
        for table, row in self._rows_at_commit:
            if inserts and inserts[-1][0] is table and inserts[-1][1][0].keys() == row.keys():
                inserts[-1][1].append(row)
            else:
                inserts.append((table, [row]))
        return inserts

    def commit(self, method: str, answered: list[tuple[str, str, bytes]]) -> None:
        """Appends the audit entries and commits, with the rows at commit and the answers
        to store under their idempotency keys (key, fingerprint, response bytes).
        Last in the transaction: from the append to the commit the service's writers queue."""
        ledger.append_and_commit(
            self.session,
            self.principal.subject,
            self.pending,
            statements=self._statements_at_commit,
            along=[
                *self.rows_at_commit(),
                (idempotency.idempotency_keys, idempotency.rows(method, answered)),
            ],
        )

    def attempt(self, change: Callable[[], T]) -> T | ServiceError:
        """One item of a batch, in a savepoint: if it is refused (a ServiceError), its
        writes and audit entries are undone and the refusal is returned, and the batch
        goes on. Any other failure still fails the whole transaction."""
        recorded, inserts = len(self.pending), len(self._rows_at_commit)
        statements = len(self._statements_at_commit)
        try:
            with self.session.begin_nested():
                return change()
        except ServiceError as refusal:
            # Rows read inside the savepoint stay in the session's identity map although
            # the savepoint's inserts are gone; SQLite hands their ids out again, so a
            # later read would get a stale object for a new row. Reload after a refusal.
            self.session.expire_all()
            del self.pending[recorded:]
            del self._rows_at_commit[inserts:]
            del self._statements_at_commit[statements:]
            return refusal


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
        try:
            with self.database.transaction() as session:
                # The key's lookup is the transaction's first statement, not a transaction
                # of its own: one index probe, no second connection checkout.
                if key and (stored := idempotency.lookup(session, key)) is not None:
                    return response_type.FromString(idempotency.replay(stored, key, method, fp))
                uow = UnitOfWork(session, principal)
                response = handler(uow)
                uow.commit(method, [(key, fp, response.SerializeToString())] if key else [])
            return response
        except OperationalError as exc:
            if (retry := _collision(exc)) is not None:
                raise retry from None
            raise
        except IntegrityError as exc:
            # A concurrent request with the same key won the race: answer as it did.
            if key and (replayed := self._replay(key, method, fp, response_type)) is not None:
                return replayed
            raise _conflict(method, exc) from None

    def run_each(
        self,
        method: str,
        requests: Sequence[Q],
        response_type: type[R],
        handle: Callable[[UnitOfWork, list[Q]], list[R | ServiceError]],
    ) -> list[R | ServiceError]:
        """Runs many `method` requests in one transaction, each with its own outcome.

        Each request carries its own idempotency key, kept exactly as if it had been sent
        alone (a retry of one item, alone or in another batch, replays its first answer).
        `handle` gets the requests not answered before and returns, in order, a response
        or the ServiceError of each; a request that fails must raise before it writes.
        Nothing is committed for an item that failed; if the transaction itself fails,
        the whole call fails and nothing is written.
        """
        principal = current_principal()
        keys = [getattr(r, "idempotency_key", "") or "" for r in requests]
        for key in keys:
            if key:
                idempotency.check_key(key)
        fps = [
            idempotency.fingerprint(method, r, principal.subject) if k else ""
            for r, k in zip(requests, keys, strict=True)
        ]
        for attempt in (1, 2):
            outcomes: dict[int, R | ServiceError] = {}
            with self.database.reader() as session:
                stored = idempotency.lookup_many(session, [k for k in keys if k])
            fresh: list[int] = []
            first_of_key: dict[str, int] = {}
            repeats: dict[int, int] = {}  # a key's later use in the batch → its first use
            for n, (key, fp) in enumerate(zip(keys, fps, strict=True)):
                if key in stored:
                    outcomes[n] = self._replayed(stored[key], key, method, fp, response_type)
                elif key in first_of_key:
                    if fps[first_of_key[key]] == fp:
                        repeats[n] = first_of_key[key]
                    else:
                        outcomes[n] = Conflict(
                            f"idempotency key {key!r} is used twice in this batch "
                            "for different requests"
                        )
                else:
                    if key:
                        first_of_key[key] = n
                    fresh.append(n)
            try:
                with self.database.transaction() as session:
                    uow = UnitOfWork(session, principal)
                    answers = handle(uow, [requests[n] for n in fresh]) if fresh else []
                    for n, answer in zip(fresh, answers, strict=True):
                        outcomes[n] = answer
                    answered = [
                        (keys[n], fps[n], answer.SerializeToString())
                        for n, answer in zip(fresh, answers, strict=True)
                        if keys[n] and not isinstance(answer, ServiceError)
                    ]
                    uow.commit(method, answered)
            except IntegrityError as exc:
                # A concurrent request with one of these keys won the race: answer as it
                # did (the second attempt finds its key stored).
                if attempt == 1 and any(keys):
                    continue
                raise _conflict(method, exc) from None
            except OperationalError as exc:
                if (retry := _collision(exc)) is not None:
                    raise retry from None
                raise
            # A repeat of a key within the batch gets the answer of its first use.
            return [outcomes[repeats.get(n, n)] for n in range(len(requests))]
        raise AssertionError("unreachable: the second attempt returns or raises")

    @staticmethod
    def _replayed(
        stored: idempotency.StoredResponse, key: str, method: str, fp: str, response_type: type[R]
    ) -> R | ServiceError:
        try:
            return response_type.FromString(idempotency.replay(stored, key, method, fp))
        except Conflict as conflict:
            return conflict

    def _replay(self, key: str, method: str, fp: str, response_type: type[R]) -> R | None:
        with self.database.reader() as session:
            stored = idempotency.lookup(session, key)
        if stored is None:
            return None
        return response_type.FromString(idempotency.replay(stored, key, method, fp))


def _collision(exc: OperationalError) -> Unavailable | None:
    """UNAVAILABLE for deadlocks and serialization failures: nothing was written and a
    retry resolves them; and for a database connection lost during the change (the
    pool has dropped it, a retry gets a fresh one; a change whose COMMIT got through
    is answered as before, by its key). None for any other database failure."""
    if exc.connection_invalidated:
        log.warning("database connection lost during a change: %s", exc.orig)
        return Unavailable(
            "the service lost its database connection during the change; retry it with "
            "the same idempotency key"
        )
    if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return Unavailable(
            "the change collided with a concurrent one and was rolled back; "
            "retry it with the same idempotency key"
        )
    return None


def _conflict(method: str, exc: IntegrityError) -> Conflict:
    log.info("integrity conflict in %s: %s", method, exc.orig)
    return Conflict(
        "a concurrent request changed the same records first; nothing was written, "
        "read the current state and retry"
    )


def create_shared_tables(connection: Any) -> None:
    """Creates the audit ledger (with its append-only guards) and the idempotency table.

    Called from each service's first migration, so the definitions live only here.
    """
    tables: list[Table] = [ledger.audit_ledger, idempotency.idempotency_keys]
    for table in tables:
        table.create(connection)
    ledger.install_guards(connection)
