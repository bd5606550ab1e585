"""recalls"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.create_table(
        "recalls",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        *migration_helpers.created(),
        sa.Column("scope_computed_in_ms", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name=op.f("fk_recalls_hold_id_holds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalls")),
    )
    op.create_table(
        "recall_items",
        sa.Column("recall_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=15), nullable=False),
        sa.Column("location_code", sa.String(length=64), nullable=True),
        sa.Column("customer_code", sa.String(length=64), nullable=True),
        sa.Column("shipment_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["recall_id"], ["recalls.id"], name=op.f("fk_recall_items_recall_id_recalls")
        ),
        sa.PrimaryKeyConstraint("recall_id", "sku", "serial", name=op.f("pk_recall_items")),
    )
    with op.batch_alter_table("recall_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recall_items_state", ["recall_id", "state", "sku", "serial"], unique=False
        )
        batch_op.create_index("ix_recall_items_unit", ["sku", "serial"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recall_items", schema=None) as batch_op:
        batch_op.drop_index("ix_recall_items_unit")
        batch_op.drop_index("ix_recall_items_state")

    op.drop_table("recall_items")
    op.drop_table("recalls")
