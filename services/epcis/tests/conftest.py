from __future__ import annotations

from collections.abc import Iterator

import pytest

from serialtrace.common.testing import TestDatabases
from serialtrace.epcis.testing import Repository, start_repository


@pytest.fixture(scope="module")
def repository(test_databases: TestDatabases) -> Iterator[Repository]:
    running = start_repository(test_databases)
    yield running
    running.stop()
