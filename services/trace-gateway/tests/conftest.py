"""One real suite (four services, one gateway) shared by the gateway's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from serialtrace.common.testing import TestDatabases
from serialtrace.testing import RunningSuite, start_suite


@pytest.fixture(scope="module")
def suite(test_databases: TestDatabases) -> Iterator[RunningSuite]:
    running = start_suite(test_databases)
    yield running
    running.stop()
