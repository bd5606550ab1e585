"""The auditor's commands against the five real processes: sign every head, make an
evidence package, verify it with no service running; and a removed tail named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from serialtrace.common.signing import DEV_KEY_FILE_NAME
from serialtrace.common.testing import backend, sql_engine
from serialtrace.testing import (
    AUDITOR,
    GraphClient,
    GraphFactory,
    ProcessSuite,
    build_and_ship,
)


def serialtrace(suite: ProcessSuite, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "serialtrace.common.cli", *args],
        env={**suite.env, "SERIALTRACE_TOKEN": AUDITOR},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_checkpoint_evidence_and_offline_verification(suite: ProcessSuite, tmp_path: Path) -> None:
    fg = build_and_ship(GraphFactory(GraphClient(suite.url)))["fg"]
    # Development: the four services share one key generated into the data dir.
    assert (suite.data_dir / DEV_KEY_FILE_NAME).exists()

    signed = serialtrace(suite, "checkpoint", "--out", str(tmp_path / "kept.jsonl"))
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert signed.stdout.count(": signed seq ") == 4

    out = tmp_path / "unit.zip"
    made = serialtrace(suite, "evidence", "unit", fg["sku"], fg["serial"], "--out", str(out))
    assert made.returncode == 0, made.stdout + made.stderr

    # Offline: no service address at all, and the services could be gone.
    checked = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "serialtrace.common.cli", "verify-evidence", str(out)],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"ok: unit {fg['sku']} {fg['serial']}")

    if backend()[0] != "postgresql":
        return
    verified = serialtrace(suite, "verify-ledgers")
    assert verified.returncode == 0, verified.stdout
    engine = sql_engine(suite.databases["warehouse"])
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            head = conn.execute(text("SELECT max(seq) FROM audit_ledger")).scalar_one()
            conn.execute(text("DELETE FROM audit_ledger WHERE seq > :s"), {"s": head - 3})
    finally:
        engine.dispose()
    broken = serialtrace(suite, "verify-ledgers", "--checkpoints", str(tmp_path / "kept.jsonl"))
    assert broken.returncode == 1
    assert f"warehouse: FAILED at seq {head - 2}" in broken.stdout
