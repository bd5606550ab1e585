"""What bounds the gateway's own memory (docs/operations.md, "Memory")."""

from __future__ import annotations

import json
import subprocess
import sys

from graphql import GraphQLSchema, build_schema, parse, specified_rules

from serialtrace.common import auth
from serialtrace.common.auth import issue_token, verify_token
from serialtrace.common.testing import TEST_JWT_SECRET
from serialtrace.gateway.bounds import Bounds
from serialtrace.gateway.documents import Documents
from serialtrace.gateway.governance import MAX_TRACE_SAMPLES, _Samples

# The database stack the services store with: the gateway has no database, and these
# held some 35 MB of its resident memory from its start when it imported them anyway.
DATABASE_MODULES = ("sqlalchemy", "alembic", "psycopg")


def test_serving_the_gateway_loads_no_database_library() -> None:
    # A process of its own: this one has the services (and their databases) imported.
    script = (
        "import json, sys\n"
        "import serialtrace.common.cli, serialtrace.common.audit_cli\n"
        "from serialtrace.common.cli import installed_services\n"
        "installed_services()['gateway'].load()\n"
        "import serialtrace.gateway.app, serialtrace.gateway.evidence\n"
        f"print(json.dumps([m for m in {DATABASE_MODULES!r} if m in sys.modules]))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(loaded.stdout) == []


# --- every cache the gateway keeps per query text, token or operation stays at its bound --


def _schema() -> GraphQLSchema:
    return build_schema("type Query { unit(serial: String): Int }")


def test_the_document_cache_keeps_at_most_its_size_and_drops_the_least_used() -> None:
    documents = Documents(_schema(), [], max_tokens=1000, size=3)
    queries = [f'{{ unit(serial: "{n}") }}' for n in range(5)]
    for query in queries:
        documents.validate(query, documents.parse(query), specified_rules)
    documents.parse(queries[2])  # used again: kept
    documents.parse(queries[0])  # dropped: parsed again, and drops the least used (3)
    documents.parse(queries[4])
    documents.parse(queries[2])
    assert len(documents._entries) == 3
    assert documents.parsed == 6
    documents.parse(queries[3])
    assert documents.parsed == 7


def test_the_argument_cache_keeps_at_most_its_size() -> None:
    bounds = Bounds(_schema(), cache_size=3)
    for n in range(10):
        query = f'{{ unit(serial: "{n}") }}'
        bounds.check(query, parse(query), None)
    assert len(bounds._arguments) == 3


def test_verified_tokens_kept_are_at_most_their_bound() -> None:
    auth._verified.cache_clear()
    for n in range(auth.VERIFIED_TOKENS_CACHED + 10):
        verify_token(TEST_JWT_SECRET, issue_token(TEST_JWT_SECRET, f"user-{n}", ["viewer"]))
    assert auth._verified.cache_info().currsize == auth.VERIFIED_TOKENS_CACHED


def test_the_measured_samples_keep_at_most_their_bound() -> None:
    samples = _Samples()
    for n in range(MAX_TRACE_SAMPLES + 10):
        samples.add(float(n), now=0.0)
    kept = samples.recent(float("inf"), now=0.0)
    assert len(kept) == MAX_TRACE_SAMPLES and kept[0] == 10.0
