"""The graph's migration-import part satisfies its contract (tests/data)."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from serialtrace.gateway.schema import printed_schema

CONTRACT = Path(__file__).parent / "data" / "import-contract.graphql"


def test_import_batches_and_provenance_satisfy_the_contract() -> None:
    contract = build_schema(CONTRACT.read_text())
    actual = build_schema(printed_schema())
    assert [c.description for c in find_breaking_changes(contract, actual)] == []
