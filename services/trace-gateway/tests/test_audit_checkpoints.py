"""`serialtrace checkpoint` signs every service's head; `verifyAuditLedgers` checks each
chain against its checkpoints and names the service whose tail was removed."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from serialtrace.common import audit_cli
from serialtrace.common.testing import (
    TEST_JWT_SECRET,
    TestDatabases,
    backend,
    sql_engine,
)
from serialtrace.testing import (
    AUDITOR,
    GraphClient,
    GraphFactory,
    RunningSuite,
    start_suite,
)

VERIFY = """{ verifyAuditLedgers { service ok entries firstBrokenSeq problem checkpoints
              lastCheckpointSeq lastCheckpointAt unsignedEntries keyId } }"""


@pytest.fixture(scope="module")
def suite(test_databases: TestDatabases) -> Iterator[RunningSuite]:
    running = start_suite(test_databases)  # its own: this module damages a ledger
    yield running
    running.stop()


def cli_env(suite: RunningSuite) -> dict[str, str]:
    return {
        "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
        **{f"{n.upper()}_ADDR": a for n, a in suite.services.addrs.items()},
    }


def checkpoint(suite: RunningSuite, out: Path | None = None) -> tuple[int, str]:
    printed = io.StringIO()
    code = audit_cli.run_checkpoint(
        argparse.Namespace(token=None, out=out), cli_env(suite), printed
    )
    return code, printed.getvalue()


def ledgers(suite: RunningSuite) -> dict[str, dict[str, object]]:
    rows = GraphClient(suite.url, AUDITOR).data(VERIFY)["verifyAuditLedgers"]
    return {row["service"]: row for row in rows}


@pytest.mark.skipif(backend()[0] != "postgresql", reason="deletes rows as a superuser")
def test_checkpoint_signs_every_head_and_the_graph_names_a_removed_tail(
    suite: RunningSuite, tmp_path: Path
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    factory.commission(factory.sub, ["CP-1", "CP-2"])
    unsigned = ledgers(suite)
    assert all(row["ok"] and row["checkpoints"] == 0 for row in unsigned.values())
    assert unsigned["masterdata"]["unsignedEntries"] == unsigned["masterdata"]["entries"]

    kept = tmp_path / "checkpoints.jsonl"
    code, printed = checkpoint(suite, kept)
    assert code == 0, printed
    assert "masterdata: signed seq" in printed and "production: signed seq" in printed
    assert {json.loads(line)["service"] for line in kept.read_text().splitlines()} >= {
        "masterdata",
        "production",
    }
    signed = ledgers(suite)
    head = int(signed["masterdata"]["entries"])  # type: ignore[call-overload]
    assert signed["masterdata"]["lastCheckpointSeq"] == head
    assert signed["masterdata"]["unsignedEntries"] == 0
    assert signed["masterdata"]["lastCheckpointAt"] and signed["masterdata"]["keyId"]

    engine = sql_engine(suite.services.databases["masterdata"])
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("DELETE FROM audit_ledger WHERE seq > :s"), {"s": head - 5})
    finally:
        engine.dispose()
    broken = ledgers(suite)
    assert (broken["masterdata"]["ok"], broken["masterdata"]["firstBrokenSeq"]) == (
        False,
        head - 4,
    )
    assert "were removed" in str(broken["masterdata"]["problem"])
    assert all(broken[name]["ok"] for name in ("production", "warehouse", "quality"))

    printed = io.StringIO()
    code = audit_cli.run_verify(
        argparse.Namespace(token=None, checkpoints=kept), cli_env(suite), printed
    )
    assert code == 1
    assert f"masterdata: FAILED at seq {head - 4}" in printed.getvalue()
    assert "production: ok" in printed.getvalue()
