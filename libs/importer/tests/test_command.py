"""The `serialtrace import` command as a user runs it, without services."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from serialtrace.common.cli import main
from serialtrace.importer.checking import DictCatalog
from serialtrace.importer.kinds import KINDS
from serialtrace.importer.planning import check_with


def test_template_writes_every_kind_with_its_header_and_checks_clean(tmp_path: Path) -> None:
    assert main(["import", "template", str(tmp_path)]) == 0
    for kind in KINDS:
        with (tmp_path / kind.file_name).open(encoding="utf-8", newline="") as stream:
            assert list(csv.reader(stream)) == [list(kind.columns)]
    problems, rows = check_with(tmp_path, DictCatalog())
    assert problems == []
    assert set(rows) == {k.file_name for k in KINDS} and set(rows.values()) == {0}


def test_a_command_that_needs_the_services_wants_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SERIALTRACE_TOKEN", raising=False)
    assert main(["import", "check", str(tmp_path)]) == 2
    assert "SERIALTRACE_TOKEN" in capsys.readouterr().err
