"""signed ledger checkpoints, kept in a table of their own beside the audit ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

from serialtrace.common.ledger import create_checkpoint_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Append-only (trigger on PostgreSQL), defined once in the shared library.
    create_checkpoint_table(op.get_bind())


def downgrade() -> None:
    op.drop_table("ledger_checkpoints")
