"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, optional_times, texts, times

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "routes",
        *texts(sku=64),
        sa.Column("operations", sa.JSON(), nullable=False),
        *times("updated_at"),
        *texts(updated_by=200),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_routes")),
    )
    op.create_table(
        "work_orders",
        *texts(id=40, sku=64),
        sa.Column("quantity", sa.Integer(), nullable=False),
        *texts(bom_revision=20),
        *optional_texts(line=64),
        *texts(status=20),
        sa.Column("commissioned_count", sa.Integer(), nullable=False),
        *migration_helpers.created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_orders_sku"), ["sku"], unique=False)

    op.create_table(
        "units",
        migration_helpers.big_id("id"),
        *texts(sku=64, serial=100, work_order_id=40, status=20),
        *times("created_at"),
        *optional_times("completed_at"),
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
        *texts(id=40),
        sa.Column("unit_id", migration_helpers.BIG_ID, nullable=False),
        *texts(operation=64, station=64, operator=200),
        *optional_times("started_at"),
        *times("finished_at"),
        *texts(result=4),
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
