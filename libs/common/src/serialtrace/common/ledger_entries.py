"""The audit ledger's entries as data, without a database: their canonical JSON and
hash, the entity ids every service's ledger uses, and what a lot entry names.

`serialtrace.common.ledger` stores them (SQLAlchemy); this module is what a process
that only reads entries from the services (the gateway, building an evidence package)
needs, and it does not load SQLAlchemy, psycopg or alembic (some 35 MB resident)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from serialtrace.common.timeutil import iso

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 kept, datetimes as UTC ISO-8601."""
    return _CANONICAL.encode(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} in an audit payload")


# What json.dumps(value, sort_keys=True, ...) uses, made once: given any option, dumps
# builds a new JSONEncoder for every call, which cost twice the encoding itself (a
# write of 5,000 units encodes 5,000 payloads). An encoder keeps no state between calls.
_CANONICAL = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    default=_json_default,
)


def entry_hash(
    seq: int,
    at: datetime | str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    payload: str,
    prev_hash: str,
) -> str:
    """The SHA-256 (hex) that chains one entry to the previous one: of the entry's
    canonical JSON (docs/audit-ledger.md), keys in sorted order, put together from the
    fields without building a dict, as a big write or a whole-chain check does this tens
    of thousands of times. `at` may be given already in its `iso` form."""
    quote = encode_basestring  # the string form canonical_json gives (UTF-8 kept)
    at_iso = at if isinstance(at, str) else iso(at)
    return hashlib.sha256(
        (
            f'{{"action":{quote(action)},"actor":{quote(actor)},"at":"{at_iso}",'
            f'"entity_id":{quote(entity_id)},"entity_type":{quote(entity_type)},'
            f'"payload":{quote(payload)},"prev_hash":{quote(prev_hash)},"seq":{seq}}}'
        ).encode()
    ).hexdigest()


@dataclass(frozen=True)
class PendingEntry:
    """A state change to record; the ledger assigns seq, time and hashes on append."""

    action: str
    entity_type: str
    entity_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    payload: str
    prev_hash: str
    hash: str

    def recomputed_hash(self) -> str:
        """The hash this entry's fields give; differs from `hash` when it was altered."""
        return entry_hash(
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.entity_type,
            self.entity_id,
            self.payload,
            self.prev_hash,
        )


LOT_USE_FIELDS = ("parent", "reference")


def names_a_use_outside(payload: str, units: Collection[str]) -> bool:
    """Whether a lot entry's payload records the lot's use in a unit, and names none of
    `units` ("SKU:serial"): that entry is the other unit's evidence, not theirs."""
    try:
        body = json.loads(payload)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    named = [body.get(field) for field in LOT_USE_FIELDS]
    used_in = [n.replace("/", ":", 1) for n in named if isinstance(n, str)]
    return bool(used_in) and not any(unit in units for unit in used_in)


def unit_entity(sku: str, serial: str) -> str:
    """The entity id of a unit in every service's ledger ("SKU:serial"; SKUs have no ':')."""
    return f"{sku}:{serial}"


def lot_entity(sku: str, lot_number: str) -> str:
    """The entity id of a lot in every service's ledger."""
    return f"{sku}:{lot_number}"
