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


def test_no_time_is_no_timestamp() -> None:
    assert to_timestamp(None) is None
