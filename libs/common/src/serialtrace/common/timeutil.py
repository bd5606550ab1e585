"""UTC time and its protobuf Timestamp form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_timestamp(value: datetime | None) -> Timestamp | None:
    """The Timestamp `Timestamp.FromDatetime` gives (a naive time taken as UTC), from the
    time's distance to the epoch: FromDatetime goes through a time tuple and cost three
    times as much, felt by every answer that carries thousands of times (a commission's
    5,000 units, a ledger range)."""
    if value is None:
        return None
    since = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)) - _EPOCH
    return Timestamp(seconds=since.days * 86_400 + since.seconds, nanos=since.microseconds * 1000)


def from_timestamp(stamp: Timestamp | None) -> datetime | None:
    """None for an unset field (seconds and nanos both zero); else the aware UTC time
    `stamp.ToDatetime(tzinfo=UTC)` gives (nanoseconds cut to microseconds), from its
    distance to the epoch: ToDatetime cost three times as much, felt by a trace's
    hundred-odd times."""
    if stamp is None:
        return None
    seconds, nanos = stamp.seconds, stamp.nanos
    if seconds == 0 and nanos == 0:
        return None
    return _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)


def iso(value: datetime) -> str:
    """Fixed-width ISO-8601 in UTC with microseconds: the form hashed in the ledger."""
    # isoformat is several times faster than the equivalent strftime, which the
    # whole-ledger check feels: it formats every entry's time.
    return as_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
