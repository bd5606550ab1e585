"""UTC times and their protobuf Timestamp form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from serialtrace.common.timeutil import from_timestamp, to_timestamp

_TIMES = [
    datetime(2026, 12, 1, 15, 4, 5, 123456, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),  # before the epoch: nanos stay ≥ 0
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    datetime(2026, 3, 29, 2, 30, 0, 7),  # naive: taken as UTC, as SQLite hands them back
]


@pytest.mark.parametrize("value", _TIMES, ids=str)
def test_a_timestamp_is_the_one_protobuf_makes_of_the_time(value: datetime) -> None:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    expected = Timestamp()
    expected.FromDatetime(aware)
    assert to_timestamp(value) == expected
    if aware != datetime(1970, 1, 1, tzinfo=UTC):  # the epoch reads back as unset
        assert from_timestamp(to_timestamp(value)) == aware


@pytest.mark.parametrize(
    "stamp",
    [
        Timestamp(seconds=1_764_600_000, nanos=123_456_789),
        Timestamp(seconds=-1, nanos=999_999_999),
        Timestamp(seconds=0, nanos=1_000),
        Timestamp(seconds=253_402_300_799, nanos=999_999_999),  # the last second of 9999
        Timestamp(seconds=-62_135_596_800),  # 0001-01-01
    ],
    ids=str,
)
def test_a_time_is_the_one_protobuf_reads_from_the_timestamp(stamp: Timestamp) -> None:
    found = from_timestamp(stamp)
    assert found == stamp.ToDatetime(tzinfo=UTC)
    assert found is not None and found.utcoffset() == timedelta(0)


def test_no_time_is_no_timestamp() -> None:
    assert to_timestamp(None) is None
