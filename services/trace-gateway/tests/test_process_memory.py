"""What bounds the gateway's own memory (docs/operations.md, "Memory")."""

from __future__ import annotations

import json
import subprocess
import sys

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
