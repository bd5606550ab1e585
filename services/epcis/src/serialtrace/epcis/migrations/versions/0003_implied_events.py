"""effect claims and outcomes of captured events, and the ledger follower's cursors

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "epcis_effect_claims",
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=300), nullable=False),
        sa.Column("matched_entry", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "n", name=op.f("pk_epcis_effect_claims")),
    )
    op.create_index(
        "ix_epcis_effect_claims_fact",
        "epcis_effect_claims",
        ["service", "action", "entity_id"],
        unique=False,
    )
    op.create_table(
        "epcis_effect_outcomes",
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_epcis_effect_outcomes")),
    )
    op.create_table(
        "epcis_ledger_cursors",
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service", name=op.f("pk_epcis_ledger_cursors")),
    )


def downgrade() -> None:
    op.drop_table("epcis_ledger_cursors")
    op.drop_table("epcis_effect_outcomes")
    op.drop_index("ix_epcis_effect_claims_fact", table_name="epcis_effect_claims")
    op.drop_table("epcis_effect_claims")
