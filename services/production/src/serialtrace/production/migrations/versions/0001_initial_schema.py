"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from serialtrace.common.uow import create_shared_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The audit ledger (append-only, guarded by triggers) and idempotency keys.
    create_shared_tables(op.get_bind())
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_orders_sku"), ["sku"], unique=False)

    op.create_table(
        "units",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
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
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("station", sa.String(length=64), nullable=False),
        sa.Column("operator", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_meaning", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_operation_records_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_records")),
    )
    with op.batch_alter_table("operation_records", schema=None) as batch_op:
        batch_op.create_index("ix_operation_records_unit", ["unit_id", "finished_at"], unique=False)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.execute("DROP TABLE audit_ledger")
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
