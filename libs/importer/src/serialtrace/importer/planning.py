"""The dry run over a directory: read every file, check every row, report every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serialtrace.importer.checking import Catalog, Checker
from serialtrace.importer.problems import Problem
from serialtrace.importer.reading import open_directory


def check_with(
    directory: Path, catalog: Catalog, encoding: str = "auto"
) -> tuple[list[Problem], dict[str, int]]:
    """Every problem in every file of `directory` in one pass, and the rows read per file."""
    tables, problems = open_directory(directory, encoding)
    checker = Checker(catalog)
    found = checker.check_tables(tables)
    return sorted(problems) + found, dict(checker.rows_read)


def check_directory(directory: Path, services: Any, encoding: str = "auto") -> list[Problem]:
    from serialtrace.importer.client import GrpcCatalog

    problems, _ = check_with(directory, GrpcCatalog(services), encoding)
    return problems
