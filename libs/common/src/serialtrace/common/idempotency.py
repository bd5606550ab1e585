"""Idempotency keys: the first response to a key is stored with the change it made.

A retry with the same key and the same request gets that response back and changes
nothing; the same key with a different request is a conflict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, select
from sqlalchemy.orm import Session

from serialtrace.common.db import bulk_insert, pipeline
from serialtrace.common.errors import Conflict, InvalidArgument
from serialtrace.common.timeutil import utcnow

MAX_KEY_LENGTH = 200

metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(MAX_KEY_LENGTH), primary_key=True),
    Column("method", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class StoredResponse:
    method: str
    fingerprint: str
    response: bytes


def check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"idempotency key is {len(key)} characters; at most {MAX_KEY_LENGTH}")


def fingerprint(method: str, request: Message, actor: str) -> str:
    """SHA-256 of the caller, the method and the request without its idempotency key.

    The caller is part of it so one user's key can never replay another user's response.
    """
    copy = type(request)()
    copy.CopyFrom(request)
    if "idempotency_key" in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField("idempotency_key")
    digest = hashlib.sha256(f"{actor}\n{method}\n".encode())
    digest.update(copy.SerializeToString(deterministic=True))
    return digest.hexdigest()


def lookup(session: Session, key: str) -> StoredResponse | None:
    """One probe of the key's primary-key index.

    On PostgreSQL it goes in a psycopg pipeline: as a transaction's first statement it
    then travels with the transaction's BEGIN and a Sync, one round trip."""
    if session.get_bind().dialect.name != "postgresql":
        return lookup_many(session, [key]).get(key)
    with pipeline(session, "SELECT idempotency_keys", _LOOKUP) as driver:
        cursor = driver.cursor()
        cursor.execute(_LOOKUP, (key,))
    # Read after the pipeline's exit, whose Sync brought the row: BEGIN, the probe and
    # the Sync in one round trip (a fetch inside the block was one more).
    with cursor:
        row = cursor.fetchone()
    return StoredResponse(row[0], row[1], bytes(row[2])) if row else None


_LOOKUP = "SELECT method, fingerprint, response FROM idempotency_keys WHERE key = %s"


# A batch's keys as one array parameter (in binary): an IN list of 1,000 bound values
# cost a bulk import call more to compile and send than the index probes themselves.
_LOOKUP_MANY = (
    "SELECT key, method, fingerprint, response FROM idempotency_keys"
    " WHERE key = ANY(%(keys)b::text[])"
)


def lookup_many(session: Session, keys: Sequence[str]) -> dict[str, StoredResponse]:
    found: dict[str, StoredResponse] = {}
    unique = sorted(set(keys))
    if unique and session.get_bind().dialect.name == "postgresql":
        rows = session.connection().exec_driver_sql(_LOOKUP_MANY, {"keys": unique})
        return {k: StoredResponse(m, fp, bytes(r)) for k, m, fp, r in rows}
    for start in range(0, len(unique), 1000):
        for row in session.execute(
            select(
                idempotency_keys.c.key,
                idempotency_keys.c.method,
                idempotency_keys.c.fingerprint,
                idempotency_keys.c.response,
            ).where(idempotency_keys.c.key.in_(unique[start : start + 1000]))
        ):
            found[row.key] = StoredResponse(row.method, row.fingerprint, bytes(row.response))
    return found


def replay(stored: StoredResponse, key: str, method: str, fp: str) -> bytes:
    """The stored response if the request is the same one; Conflict if it is not."""
    if stored.method != method or stored.fingerprint != fp:
        raise Conflict(
            f"idempotency key {key!r} was already used for a different request "
            f"({stored.method}); use a new key for a new request"
        )
    return stored.response


def store(session: Session, key: str, method: str, fp: str, response: bytes) -> None:
    store_many(session, method, [(key, fp, response)])


def store_many(session: Session, method: str, answers: Sequence[tuple[str, str, bytes]]) -> None:
    """Stores (key, fingerprint, response) of many requests of one method in one insert."""
    bulk_insert(session, idempotency_keys, rows(method, answers))


def rows(method: str, answers: Sequence[tuple[str, str, bytes]]) -> list[dict[str, Any]]:
    """The idempotency_keys rows that store (key, fingerprint, response) of `method`
    (for a caller that inserts them along with its ledger entries)."""
    now = utcnow()
    return [
        {"key": k, "method": method, "fingerprint": fp, "response": r, "created_at": now}
        for k, fp, r in answers
    ]
