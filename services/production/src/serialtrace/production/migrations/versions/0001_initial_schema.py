"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "routes",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_routes")),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("bom_revision", sa.String(length=20), nullable=False),
        sa.Column("line", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("commissioned_count", sa.Integer(), nullable=False),
        *migration_helpers.created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_orders_sku"), ["sku"], unique=False)

    op.create_table(
        "units",
        migration_helpers.big_id("id"),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("work_order_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"], name=op.f("fk_units_work_order_id_work_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("sku", "serial", name=op.f("uq_units_sku")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "operation_records",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", migration_helpers.BIG_ID, nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("station", sa.String(length=64), nullable=False),
        sa.Column("operator", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        *migration_helpers.signature("approved", "approval_meaning"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_operation_records_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_records")),
    )
    with op.batch_alter_table("operation_records", schema=None) as batch_op:
        batch_op.create_index("ix_operation_records_unit", ["unit_id", "finished_at"], unique=False)


def downgrade() -> None:
    migration_helpers.drop_shared_tables()
    with op.batch_alter_table("operation_records", schema=None) as batch_op:
        batch_op.drop_index("ix_operation_records_unit")

    op.drop_table("operation_records")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_work_order_id"))

    op.drop_table("units")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_orders_sku"))

    op.drop_table("work_orders")
    op.drop_table("routes")
