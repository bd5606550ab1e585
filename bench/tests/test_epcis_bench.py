"""The EPCIS bench's documents are what it claims: valid, with distinct events."""

from __future__ import annotations

from serialtrace.bench.epcis import realistic_document
from serialtrace.epcis.event_hash import document_hashes
from serialtrace.epcis.validation import validate_document


def test_the_bench_documents_are_valid_and_their_events_distinct() -> None:
    first, second = realistic_document(300, 1), realistic_document(300, 2)
    assert validate_document(first) == []
    hashes = document_hashes(first) + document_hashes(second)
    assert len(set(hashes)) == 600
