"""signed ledger checkpoints, kept in a table of their own beside the audit ledger"""

from serialtrace.common import migration_helpers

revision: str = "0004"
down_revision: str | None = "0003"

# Append-only (trigger on PostgreSQL), defined once in the shared library.
upgrade = migration_helpers.create_ledger_checkpoints
downgrade = migration_helpers.drop_ledger_checkpoints
