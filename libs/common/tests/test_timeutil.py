"""Times as protobuf Timestamps: what protobuf's own conversion gives, for every kind of
datetime the services hand it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from serialtrace.common.timeutil import from_timestamp, to_timestamp


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 1, 15, 4, 5, 123456, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # just before the epoch
        datetime(1900, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 6, 1, 12, 0, 0, 500),  # naive, as SQLite gives: UTC
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_a_time_becomes_the_timestamp_protobuf_makes_of_it(value: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    assert to_timestamp(value) == expected
    back = from_timestamp(to_timestamp(value))
    assert back == (value if value.tzinfo else value.replace(tzinfo=UTC))


def test_no_time_is_no_timestamp() -> None:
    assert to_timestamp(None) is None
