"""initial schema: stock of units and lots, movements, packages and shipments"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, optional_times, table, texts, times

revision: str = "0001"
down_revision: str | None = None

upgrade, downgrade = migration_helpers.initial_schema(
    counters=table(*texts(name=40), sa.Column("value", sa.Integer(), nullable=False), key="name"),
    lot_stock=table(
        *texts(sku=64, lot_number=40, location_code=64),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        key=("sku", "lot_number", "location_code"),
    ),
    lots=table(*texts(sku=64, lot_number=40), *times("received_at"), key=("sku", "lot_number")),
    movements=table(
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        *texts(kind=10),
        *times("at"),
        *texts(by=200),
        *optional_texts(from_location=64, to_location=64, reference=300, unit_sku=64),
        *optional_texts(unit_serial=100, lot_sku=64, lot_number=40),
        sa.Column("quantity", sa.Float(), nullable=True),
        *optional_texts(package_sscc=18),
        key="seq",
        indexes={"ix_movements_unit": ("unit_sku", "unit_serial", "seq")},
    ),
    packages=table(
        *texts(sscc=18, kind=10),
        *optional_texts(parent_sscc=18, location_code=64, shipment_id=40),
        *migration_helpers.created(),
        *optional_times("unpacked_at"),
        key="sscc",
        references={"parent_sscc": "packages.sscc"},
        indexes={"ix_packages_parent_sscc": "parent_sscc"},
    ),
    shipments=table(
        *texts(id=40, customer_code=64),
        *times("shipped_at"),
        *optional_texts(carrier=100, tracking_number=100),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        *texts(shipped_by=200),
        key="id",
    ),
    unit_stock=table(
        *texts(sku=64, serial=100, custody=10),
        *optional_texts(location_code=64, package_sscc=18, shipment_id=40),
        key=("sku", "serial"),
        indexes={"ix_unit_stock_package": "package_sscc"},
    ),
    shipment_units=table(
        *texts(shipment_id=40, sku=64, serial=100),
        key=("shipment_id", "sku", "serial"),
        references={"shipment_id": "shipments.id"},
    ),
)
