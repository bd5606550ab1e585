"""The suite as six real processes on free ports, each on its own fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from serialtrace.common.testing import TestDatabases
from serialtrace.testing import SUITE_SERVICES, ProcessSuite


@pytest.fixture(scope="module")
def suite(
    test_databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProcessSuite]:
    databases = {name: test_databases.create(name) for name in SUITE_SERVICES}
    running = ProcessSuite(tmp_path_factory.mktemp("suite"), databases)
    running.start()
    yield running
    running.stop()
