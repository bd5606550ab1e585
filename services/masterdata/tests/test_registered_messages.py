"""A registration's answer: each new unit's message, as unit_message makes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from serialtrace.masterdata import api


def test_a_registrations_messages_are_those_of_each_unit_alone() -> None:
    at = datetime(2026, 12, 1, 15, 4, 5, 123456, tzinfo=UTC)
    values = [
        ({"colour": "red"}, "COMMISSIONED", at),
        ({"colour": "red"}, "COMMISSIONED", at),
        ({"colour": "blue"}, "COMMISSIONED", at),  # a change in each field, one at a time
        ({"colour": "blue"}, "PURCHASED", at),
        ({"colour": "blue"}, "PURCHASED", at + timedelta(microseconds=1)),
        (None, "PURCHASED", at),
        ({}, "COMMISSIONED", at),
    ]
    rows = [
        SimpleNamespace(
            id=n, sku="SKU-1", serial=f"S{n}", source=source, attributes=attributes,
            created_at=created_at, created_by=f"user{n % 2}",
        )
        for n, (attributes, source, created_at) in enumerate(values)
    ]  # fmt: skip
    assert api.registered_messages(rows) == [api.unit_message(row, []) for row in rows]
