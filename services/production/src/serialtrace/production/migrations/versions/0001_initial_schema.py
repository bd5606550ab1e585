"""initial schema: routes, work orders, commissioned units and their operation records"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import (
    big_id_refs,
    optional_texts,
    optional_times,
    table,
    texts,
    times,
)

revision: str = "0001"
down_revision: str | None = None

upgrade, downgrade = migration_helpers.initial_schema(
    routes=table(
        *texts(sku=64),
        sa.Column("operations", sa.JSON(), nullable=False),
        *times("updated_at"),
        *texts(updated_by=200),
        key="sku",
    ),
    work_orders=table(
        *texts(id=40, sku=64),
        sa.Column("quantity", sa.Integer(), nullable=False),
        *texts(bom_revision=20),
        *optional_texts(line=64),
        *texts(status=20),
        sa.Column("commissioned_count", sa.Integer(), nullable=False),
        *migration_helpers.created(),
        key="id",
        indexes={"ix_work_orders_sku": "sku"},
    ),
    units=table(
        migration_helpers.big_id("id"),
        *texts(sku=64, serial=100, work_order_id=40, status=20),
        *times("created_at"),
        *optional_times("completed_at"),
        key="id",
        references={"work_order_id": "work_orders.id"},
        unique=("sku", "serial"),
        indexes={"ix_units_work_order_id": "work_order_id"},
    ),
    operation_records=table(
        *texts(id=40),
        *big_id_refs("unit_id"),
        *texts(operation=64, station=64, operator=200),
        *optional_times("started_at"),
        *times("finished_at"),
        *texts(result=4),
        sa.Column("measurements", sa.JSON(), nullable=False),
        *migration_helpers.signature("approved", "approval_meaning"),
        key="id",
        references={"unit_id": "units.id"},
        indexes={"ix_operation_records_unit": ("unit_id", "finished_at")},
    ),
)
