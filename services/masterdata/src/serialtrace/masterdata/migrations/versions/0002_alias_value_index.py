"""index unit aliases by value (scans resolve a value without its kind)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_unit_aliases_value"), "unit_aliases", ["value"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_aliases_value"), table_name="unit_aliases")
