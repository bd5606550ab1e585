"""The audit ledger: append-only, hash-chained, written in the change's own transaction.

Each entry's hash is SHA-256 over the canonical JSON of (seq, at, actor, action,
entity_type, entity_id, payload, prev_hash); prev_hash is the previous entry's hash
(64 zeros for the first). Appends hold a lock on the ledger head until commit, so two
writers never produce the same seq and the chain never forks. The database itself
refuses UPDATE, DELETE and TRUNCATE on the table (trigger), so a change needs a
superuser who disables the trigger, and `verify` then names the first broken link.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Session

from serialtrace.common.db import (
    bulk_insert,
    bulk_insert_statement,
    check_lengths,
    install_append_only_guard,
    pipeline,
    scalar_arrays,
)

# The entries as data (no database: ledger_entries), under the names the services use.
from serialtrace.common.ledger_entries import GENESIS_HASH as GENESIS_HASH
from serialtrace.common.ledger_entries import LOT_USE_FIELDS as LOT_USE_FIELDS
from serialtrace.common.ledger_entries import Entry as Entry
from serialtrace.common.ledger_entries import PendingEntry as PendingEntry
from serialtrace.common.ledger_entries import canonical_json as canonical_json
from serialtrace.common.ledger_entries import entry_hash as entry_hash
from serialtrace.common.ledger_entries import lot_entity as lot_entity
from serialtrace.common.ledger_entries import names_a_use_outside as names_a_use_outside
from serialtrace.common.ledger_entries import unit_entity as unit_entity
from serialtrace.common.timeutil import as_utc, iso, utcnow

MAX_LIST_ENTRIES = 10_000

metadata = MetaData()

audit_ledger = Table(
    "audit_ledger",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("entity_type", String(50), nullable=False),
    Column("entity_id", String(300), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_ledger_entity", "entity_type", "entity_id", "seq"),
)

# Signed heads of audit_ledger (serialtrace.common.checkpoints). A table of its own, with
# its own append-only guard and its own grants, so the rights that could rewrite the
# ledger cannot also rewrite what was signed about it.
ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(100), nullable=False),
    Index("ix_ledger_checkpoints_seq", "seq"),
)


@dataclass(frozen=True)
class Verification:
    entries: int
    ok: bool
    head_hash: str | None
    first_broken_seq: int | None
    problem: str | None
    # The hash of each seq `verify` was asked to watch, among the entries before the
    # first broken one.
    hashes: Mapping[int, str] = field(default_factory=dict)


def append(session: Session, actor: str, pending: Sequence[PendingEntry]) -> list[Entry]:
    """Appends entries at the head of the chain, inside the caller's transaction.

    Call it last, just before commit: from here until the commit the transaction holds
    the ledger's lock, so every statement it still sends makes every other writer of
    the service wait (`append_and_commit` sends none)."""
    if not pending:
        return []
    payloads = [canonical_json(item.payload) for item in pending]
    if session.get_bind().dialect.name == "postgresql":
        seq, prev = _locked_head(session)
    else:  # SQLite: BEGIN IMMEDIATE has serialized writers since the transaction began
        seq, prev = head(session)
    written = _chain(seq, prev, actor, pending, payloads)
    bulk_insert(session, audit_ledger, [vars(e) for e in written])
    return written


def append_and_commit(
    session: Session,
    actor: str,
    pending: Sequence[PendingEntry],
    along: Sequence[tuple[Table, Sequence[dict[str, Any]]]] = (),
    statements: Sequence[tuple[str, dict[str, Any]]] = (),
) -> list[Entry]:
    """`append`, then the commit of the caller's transaction, which must end right after
    (its own commit then finds nothing left to do). `along` are rows of the same change
    to insert first, (table, rows) each: the idempotency key and its response, the
    change's own rows. `statements` (PostgreSQL only: (sql, params) with psycopg
    placeholders) are run first, in the same round trip.

    On PostgreSQL a write of up to CHAINED_IN_SQL entries takes one round trip, a psycopg
    pipeline: the `along` inserts, the lock, one insert that reads the head and hashes
    the entries onto it in the database, and the COMMIT. From the lock to the COMMIT no
    Python runs, so a writer's thread waiting for the CPU never keeps the others waiting.
    A bigger batch takes two: the `along` inserts, the lock and the head read; then the
    entries, hashed here, inserted with the COMMIT. The lock is released by the COMMIT
    itself, once the change, its key and its entries are durable together."""
    if not pending or session.get_bind().dialect.name != "postgresql":
        for sql, params in statements:
            session.connection().exec_driver_sql(*scalar_arrays(sql, params))
        for table, rows in along:
            bulk_insert(session, table, rows)
        return append(session, actor, pending)  # SQLite: committed as the block ends
    payloads = [canonical_json(item.payload) for item in pending]
    if len(pending) <= CHAINED_IN_SQL:
        return _chain_in_sql_and_commit(session, actor, pending, payloads, along, statements)
    seq, prev = _locked_head(session, along, statements)
    written = _chain(seq, prev, actor, pending, payloads)
    sql, params = bulk_insert_statement(session, audit_ledger, [vars(e) for e in written])
    # A failed insert aborts the pipeline: the COMMIT is skipped, the error raised as
    # the pipeline ends, and the caller's block rolls everything back.
    with (
        pipeline(session, "ledger insert and COMMIT", sql, "audit_ledger") as driver,
        driver.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        _queue_commit(cursor)
    return written


# Up to this many entries a write's chain is hashed by the database, in the round trip of
# its COMMIT. Past it the SQL's cost grows with the square of the count (each entry is
# one subscript of an array parameter), and hashing here in Python is cheaper.
CHAINED_IN_SQL = 32

# The head, then one row per entry: the text hashed is the entry's canonical JSON, whose
# two last keys are prev_hash and seq, so the prefix before prev_hash's value is built
# here (`hashed_prefix`) and the database appends only hex digits and a number. The
# arrays travel in binary (%b): in text psycopg escapes each element's every quote with
# a regular expression, a quarter of a recordOperation's CPU in this service; and those
# of a few entries as their elements (`scalar_arrays`), cheaper still.
_CHAINED_INSERT = """
WITH RECURSIVE head AS (SELECT seq, hash FROM audit_ledger ORDER BY seq DESC LIMIT 1),
chain(n, seq, prev_hash, hash) AS (
  SELECT 0, coalesce((SELECT seq FROM head), 0), NULL::text,
         coalesce((SELECT hash FROM head), %(genesis)s)
  UNION ALL
  SELECT c.n + 1, c.seq + 1, c.hash,
         encode(sha256(convert_to(
           (%(prefix)b::text[])[c.n + 1] || c.hash || '","seq":' || (c.seq + 1) || '}', 'UTF8'
         )), 'hex')
  FROM chain c WHERE c.n < cardinality(%(prefix)b::text[])
)
INSERT INTO audit_ledger (seq, at, actor, action, entity_type, entity_id, payload, prev_hash, hash)
SELECT c.seq, %(at)s, %(actor)s, (%(action)b::text[])[c.n], (%(entity_type)b::text[])[c.n],
       (%(entity_id)b::text[])[c.n], (%(payload)b::text[])[c.n], c.prev_hash, c.hash
FROM chain c WHERE c.n > 0
ORDER BY c.n
RETURNING seq, prev_hash, hash
"""


def hashed_prefix(
    at: datetime, actor: str, action: str, entity_type: str, entity_id: str, payload: str
) -> str:
    """What `entry_hash` hashes, up to the value of prev_hash: canonical JSON sorts
    prev_hash and seq after every other key, so the body is this, the previous hash,
    `","seq":`, the seq and `}`."""
    body = canonical_json(
        {
            "action": action,
            "actor": actor,
            "at": iso(at),
            "entity_id": entity_id,
            "entity_type": entity_type,
            "payload": payload,
        }
    )
    return body[:-1] + ',"prev_hash":"'


def _chain_in_sql_and_commit(
    session: Session,
    actor: str,
    pending: Sequence[PendingEntry],
    payloads: Sequence[str],
    along: Sequence[tuple[Table, Sequence[dict[str, Any]]]],
    statements: Sequence[tuple[str, dict[str, Any]]],
) -> list[Entry]:
    """The one-round-trip append (see `append_and_commit`). Under READ COMMITTED each
    statement of the pipeline takes its snapshot when it starts, so the insert, which
    starts once the lock is granted, reads the head its predecessor committed."""
    at = utcnow()
    check_lengths(audit_ledger, [{"actor": actor, **vars(item)} for item in pending])
    params = {
        "genesis": GENESIS_HASH,
        "prefix": [
            hashed_prefix(at, actor, item.action, item.entity_type, item.entity_id, payload)
            for item, payload in zip(pending, payloads, strict=True)
        ],
        "at": at,
        "actor": actor,
        "action": [item.action for item in pending],
        "entity_type": [item.entity_type for item in pending],
        "entity_id": [item.entity_id for item in pending],
        "payload": list(payloads),
    }
    # A failed statement aborts the pipeline: the COMMIT is skipped, the error raised
    # here, and the caller's block rolls everything back. The span's duration is mostly
    # the wait for the ledger's lock, then the commit.
    with _under_lock(
        session,
        along,
        "ledger append and COMMIT",
        _CHAINED_INSERT,
        statements=statements,
        commit=True,
    ) as appended:
        appended.execute(*scalar_arrays(_CHAINED_INSERT, params))
    with appended:  # its rows came back with the pipeline's Sync
        chained = appended.fetchall()
    return [
        Entry(seq, at, actor, item.action, item.entity_type, item.entity_id, payload, prev, digest)
        for (seq, prev, digest), item, payload in zip(chained, pending, payloads, strict=True)
    ]


def _chain(
    seq: int, prev: str, actor: str, pending: Sequence[PendingEntry], payloads: Sequence[str]
) -> list[Entry]:
    """The entries after (seq, prev), each hashed over its content and the previous hash
    (a big write chains thousands; the time's `iso` form is made once for them all)."""
    at = utcnow()
    at_iso = iso(at)
    written: list[Entry] = []
    for item, payload in zip(pending, payloads, strict=True):
        seq += 1
        digest = entry_hash(
            seq, at_iso, actor, item.action, item.entity_type, item.entity_id, payload, prev
        )
        written.append(
            Entry(
                seq, at, actor, item.action, item.entity_type, item.entity_id, payload, prev, digest
            )
        )
        prev = digest
    return written


# 405633363310 = 0x5E71A1ED6E, the advisory-lock key of the ledger (one per database).
_LOCK = "SELECT pg_advisory_xact_lock(405633363310)"
_READ_HEAD = "SELECT seq, hash FROM audit_ledger ORDER BY seq DESC LIMIT 1"


@contextmanager
def _under_lock(
    session: Session,
    along: Sequence[tuple[Table, Sequence[dict[str, Any]]]],
    span: str,
    statement: str,
    *,
    statements: Sequence[tuple[str, dict[str, Any]]] = (),
    commit: bool = False,
) -> Iterator[Any]:
    """A pipeline that inserts `along` and takes the append lock (held until commit);
    yields a cursor for `statement`, to run under the lock, and then queues the COMMIT
    if `commit`. Nothing waits for a result inside: the pipeline's exit sends a Sync
    and reads every result back, so the whole block is one round trip, and the
    yielded cursor's rows are read after it (the caller closes it).

    The change's pending ORM writes are flushed first, so they go out before the lock
    is taken rather than inside it."""
    session.flush()
    inserts = [scalar_arrays(sql, params) for sql, params in statements]
    inserts += [
        scalar_arrays(*bulk_insert_statement(session, table, rows)) for table, rows in along if rows
    ]
    with pipeline(session, span, statement, "audit_ledger") as driver:
        locked = driver.cursor()
        with driver.cursor() as cursor:
            for sql, params in inserts:
                cursor.execute(sql, params)
            cursor.execute(_LOCK)
            yield locked
            if commit:
                _queue_commit(cursor)


def _queue_commit(cursor: Any) -> None:
    """Queues the transaction's COMMIT in the cursor's pipeline, to travel with the
    statements before it (psycopg's `commit()` in a pipeline sends a Sync of its own and
    waits for it, and the pipeline's exit then sends another). If a statement before
    it fails, the database skips it up to the Sync and the transaction stays aborted,
    for the caller's block to roll back. The session's own commit then finds the
    transaction ended and sends nothing."""
    cursor.execute("COMMIT", prepare=False)


def _locked_head(
    session: Session,
    along: Sequence[tuple[Table, Sequence[dict[str, Any]]]] = (),
    statements: Sequence[tuple[str, dict[str, Any]]] = (),
) -> tuple[int, str]:
    """Inserts `along`, takes the append lock (held until commit) and reads the head
    under it, in one round trip. Under READ COMMITTED each statement of the pipeline
    takes its snapshot when it starts, so the head read, which starts once the lock is
    granted, sees the entries of the writer that held the lock before us."""
    # The span's duration is the wait for the ledger's lock (the SQL spans do not see it).
    with _under_lock(
        session, along, "ledger lock and head", _READ_HEAD, statements=statements
    ) as head_cursor:
        head_cursor.execute(_READ_HEAD)
    with head_cursor:
        row = head_cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def entries_for(
    session: Session,
    entity_type: str,
    entity_ids: Iterable[str],
    limit: int = MAX_LIST_ENTRIES,
    lot_uses_in: Collection[str] = (),
) -> list[Entry]:
    """Entries about any of the given entities, oldest first. `lot_uses_in` (units,
    "SKU:serial"): of lot entries, leave out those recording a use in another unit
    (`names_a_use_outside`)."""
    ids = sorted(set(entity_ids))
    if not ids:
        return []
    cap = min(limit, MAX_LIST_ENTRIES) if limit > 0 else MAX_LIST_ENTRIES
    about: tuple[ColumnElement[bool], ...] = (
        audit_ledger.c.entity_type == entity_type,
        audit_ledger.c.entity_id.in_(ids),
    )
    if lot_uses_in and entity_type == "lot":
        # Only (seq, payload) of every use is read to choose; whole rows only for the
        # few chosen. A lot used in a thousand units has a thousand such entries.
        units = set(lot_uses_in)
        chosen = [
            seq
            for seq, payload in session.execute(
                select(audit_ledger.c.seq, audit_ledger.c.payload)
                .where(*about)
                .order_by(audit_ledger.c.seq)
            )
            if not names_a_use_outside(payload, units)
        ][:cap]
        about = (audit_ledger.c.seq.in_(chosen),)
    rows = session.execute(
        select(audit_ledger).where(*about).order_by(audit_ledger.c.seq).limit(cap)
    ).all()
    return [_entry(row) for row in rows]


# Fields of a lot's entry that name the unit it went into, as "SKU/serial": production's
# `installed_into` names the `parent`, the warehouse's `lot.issued` the `reference`.
def head(session: Session) -> tuple[int, str]:
    """The last entry's (seq, hash); (0, GENESIS_HASH) for an empty ledger."""
    row = session.execute(
        select(audit_ledger.c.seq, audit_ledger.c.hash).order_by(audit_ledger.c.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def entries_between(session: Session, first_seq: int, last_seq: int) -> list[Entry]:
    """Entries first_seq..last_seq (inclusive), oldest first, at most MAX_LIST_ENTRIES."""
    rows = session.execute(
        select(audit_ledger)
        .where(audit_ledger.c.seq >= first_seq, audit_ledger.c.seq <= last_seq)
        .order_by(audit_ledger.c.seq)
        .limit(MAX_LIST_ENTRIES)
    ).all()
    return [_entry(row) for row in rows]


# Rows read per round trip when the whole chain is verified.
VERIFY_PAGE = 20_000
_VERIFY_COLUMNS = (
    audit_ledger.c.seq,
    audit_ledger.c.at,
    audit_ledger.c.actor,
    audit_ledger.c.action,
    audit_ledger.c.entity_type,
    audit_ledger.c.entity_id,
    audit_ledger.c.payload,
    audit_ledger.c.prev_hash,
    audit_ledger.c.hash,
)


def verify(session: Session, watch: Collection[int] = ()) -> Verification:
    """Recomputes the whole chain and reports the first entry that does not verify.

    Every hash is recomputed from the row's own columns, from entry 1, every time. On
    PostgreSQL the database does it (`verify_in_database`), over the very bytes that
    `entry_hash` hashes; on SQLite this process does (`verify_in_python`). `watch`
    names seqs whose hash the caller wants back (the signed checkpoints' seqs): those
    before the first broken entry are in `Verification.hashes`."""
    if session.get_bind().dialect.name == "postgresql":
        return verify_in_database(session, watch)
    return verify_in_python(session, watch)


def verify_in_python(session: Session, watch: Collection[int] = ()) -> Verification:
    """`verify`, hashing here: a tight loop over plain column tuples, read in pages of
    VERIFY_PAGE, with no ORM object or Entry made for an entry that verifies."""
    watched = set(watch)
    hashes: dict[int, str] = {}
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    last_at, at_iso = None, ""  # the entries of one write share their time
    result = session.execute(
        select(*_VERIFY_COLUMNS)
        .order_by(audit_ledger.c.seq)
        .execution_options(yield_per=VERIFY_PAGE)
    )
    for seq, at, actor, action, entity_type, entity_id, payload, prev_hash, digest in result:
        count += 1
        problem = None
        if seq != expected_seq:
            problem = _GAP.format(expected=expected_seq, found=seq)
        elif prev_hash != prev:
            problem = _UNLINKED
        else:
            if at != last_at:
                last_at, at_iso = at, iso(at)
            if (
                entry_hash(seq, at_iso, actor, action, entity_type, entity_id, payload, prev_hash)
                != digest
            ):
                problem = _ALTERED
        if problem:
            result.close()
            return Verification(
                count, False, None, expected_seq if seq != expected_seq else seq, problem, hashes
            )
        if seq in watched:
            hashes[seq] = digest
        prev, expected_seq = digest, expected_seq + 1
    return Verification(count, True, prev if count else None, None, None, hashes)


_GAP = "sequence gap: expected {expected}, found {found}"
_UNLINKED = "prev_hash does not match the previous entry's hash"
_ALTERED = "content does not match its hash (entry altered)"

# One statement, so one snapshot: the hashes (an aggregate over the whole table, which
# PostgreSQL may split among parallel workers), the links and seqs in seq order (a
# window over the primary key that stops at the first broken link), the head, and the
# watched seqs' hashes. IS DISTINCT FROM, so that a column that makes the body NULL
# (a time of 'infinity') is a mismatch, never a pass.
#
# The body hashed is what `entry_hash` builds, built from the row's columns:
# to_json(text) escapes exactly as Python's json does with ensure_ascii=False (`"`, `\`,
# \b \f \n \r \t, other control characters as lowercase \u00XX, everything else kept),
# and to_char gives `iso`'s fixed-width form. prev_hash goes in unescaped: an entry is
# only ever reported by its hash when its prev_hash equals the previous entry's
# verified hash, which is hex (otherwise the link check names it, at that seq or before).
_VERIFY_IN_DATABASE = """
WITH hashes AS (
  SELECT count(*) AS entries,
         min(seq) FILTER (WHERE hash IS DISTINCT FROM encode(sha256(convert_to(
           '{"action":' || to_json(action)::text
           || ',"actor":' || to_json(actor)::text
           || ',"at":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || 'Z"'
           || ',"entity_id":' || to_json(entity_id)::text
           || ',"entity_type":' || to_json(entity_type)::text
           || ',"payload":' || to_json(payload)::text
           || ',"prev_hash":"' || prev_hash || '","seq":' || seq || '}',
           'UTF8')), 'hex')) AS altered
  FROM audit_ledger
), links AS (
  SELECT n, seq FROM (
    SELECT seq, prev_hash, row_number() OVER w AS n, lag(hash) OVER w AS previous
    FROM audit_ledger WINDOW w AS (ORDER BY seq)
  ) chained
  WHERE seq <> n OR prev_hash IS DISTINCT FROM coalesce(previous, %(genesis)s)
  ORDER BY seq LIMIT 1
)
SELECT h.entries, h.altered, l.n AS unlinked_n, l.seq AS unlinked_seq,
       (SELECT hash FROM audit_ledger ORDER BY seq DESC LIMIT 1) AS head,
       (SELECT array_agg(ARRAY[seq::text, hash] ORDER BY seq)
        FROM audit_ledger WHERE seq = ANY(%(watch)s::bigint[])) AS watched
FROM hashes h LEFT JOIN links l ON true
"""


def verify_in_database(session: Session, watch: Collection[int] = ()) -> Verification:
    """`verify`, hashing in PostgreSQL: one set-based statement recomputes every entry's
    hash from its columns and checks every link, and only the first broken seq, the
    head and the watched hashes come back. Reported like `verify_in_python`, which
    reads in order and stops at the first entry with a gap, a broken link or a wrong
    hash (in that order of precedence within one entry)."""
    row = (
        session.connection()
        .exec_driver_sql(
            _VERIFY_IN_DATABASE, {"genesis": GENESIS_HASH, "watch": sorted(set(watch))}
        )
        .one()
    )
    unlinked_seq, unlinked_n, altered = row.unlinked_seq, row.unlinked_n, row.altered
    broken: tuple[int, int, str] | None = None  # (entries read, first broken seq, problem)
    if altered is not None and (unlinked_seq is None or altered < unlinked_seq):
        broken = (altered, altered, _ALTERED)  # no gap before it, so seq = position
    elif unlinked_seq is not None and unlinked_seq != unlinked_n:
        broken = (unlinked_n, unlinked_n, _GAP.format(expected=unlinked_n, found=unlinked_seq))
    elif unlinked_seq is not None:
        broken = (unlinked_n, unlinked_seq, _UNLINKED)
    watched = {int(seq): digest for seq, digest in row.watched or ()}
    if broken is None:
        return Verification(row.entries, True, row.head, None, None, watched)
    entries, first_broken, problem = broken
    verified = {seq: digest for seq, digest in watched.items() if seq < first_broken}
    return Verification(entries, False, None, first_broken, problem, verified)


def _entry(row: Any) -> Entry:
    """An Entry from a row of audit_ledger's columns, in the table's order (unpacked:
    a range of ten thousand is read for an evidence package's links)."""
    seq, at, actor, action, entity_type, entity_id, payload, prev_hash, digest = row
    return Entry(seq, as_utc(at), actor, action, entity_type, entity_id, payload, prev_hash, digest)


# --- schema, created by each service's first migration -----------------------------


def create_checkpoint_table(connection: Any) -> None:
    """Creates ledger_checkpoints with its append-only guard (each service's migration
    0003 calls it, so the definition lives only here)."""
    ledger_checkpoints.create(connection)
    install_append_only_guard(
        connection,
        "ledger_checkpoints_append_only",
        "ledger_checkpoints is append-only",
        ["ledger_checkpoints"],
    )


def install_guards(connection: Any) -> None:
    """Makes the ledger append-only in the database itself (called from migrations)."""
    install_append_only_guard(
        connection, "audit_ledger_append_only", "audit_ledger is append-only", ["audit_ledger"]
    )
