"""recalls"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, texts

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.create_table(
        "recalls",
        *texts(id=40, reason=1000, status=10),
        *migration_helpers.created(),
        sa.Column("scope_computed_in_ms", sa.Integer(), nullable=False),
        *optional_texts(hold_id=40),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name=op.f("fk_recalls_hold_id_holds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalls")),
    )
    op.create_table(
        "recall_items",
        *texts(recall_id=40, sku=64, serial=100, state=15),
        *optional_texts(location_code=64, customer_code=64, shipment_id=40),
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
