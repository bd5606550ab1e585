"""provenance of stock and shipments imported from a legacy system

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_provenance",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("movement_seq", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "entity_type", "entity_id", "batch_id", name=op.f("pk_import_provenance")
        ),
    )
    op.create_index(
        op.f("ix_import_provenance_batch_id"), "import_provenance", ["batch_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_import_provenance_batch_id"), table_name="import_provenance")
    op.drop_table("import_provenance")
