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
        "counters",
        *texts(name=40),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "lot_stock",
        *texts(sku=64, lot_number=40, location_code=64),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        sa.PrimaryKeyConstraint("sku", "lot_number", "location_code", name=op.f("pk_lot_stock")),
    )
    op.create_table(
        "lots",
        *texts(sku=64, lot_number=40),
        *times("received_at"),
        sa.PrimaryKeyConstraint("sku", "lot_number", name=op.f("pk_lots")),
    )
    op.create_table(
        "movements",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        *texts(kind=10),
        *times("at"),
        *texts(by=200),
        *optional_texts(from_location=64, to_location=64, reference=300, unit_sku=64),
        *optional_texts(unit_serial=100, lot_sku=64, lot_number=40),
        sa.Column("quantity", sa.Float(), nullable=True),
        *optional_texts(package_sscc=18),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_movements")),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index("ix_movements_unit", ["unit_sku", "unit_serial", "seq"], unique=False)

    op.create_table(
        "packages",
        *texts(sscc=18, kind=10),
        *optional_texts(parent_sscc=18, location_code=64, shipment_id=40),
        *migration_helpers.created(),
        *optional_times("unpacked_at"),
        sa.ForeignKeyConstraint(
            ["parent_sscc"], ["packages.sscc"], name=op.f("fk_packages_parent_sscc_packages")
        ),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_packages")),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packages_parent_sscc"), ["parent_sscc"], unique=False)

    op.create_table(
        "shipments",
        *texts(id=40, customer_code=64),
        *times("shipped_at"),
        *optional_texts(carrier=100, tracking_number=100),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        *texts(shipped_by=200),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    op.create_table(
        "unit_stock",
        *texts(sku=64, serial=100, custody=10),
        *optional_texts(location_code=64, package_sscc=18, shipment_id=40),
        sa.PrimaryKeyConstraint("sku", "serial", name=op.f("pk_unit_stock")),
    )
    with op.batch_alter_table("unit_stock", schema=None) as batch_op:
        batch_op.create_index("ix_unit_stock_package", ["package_sscc"], unique=False)

    op.create_table(
        "shipment_units",
        *texts(shipment_id=40, sku=64, serial=100),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_units_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("shipment_id", "sku", "serial", name=op.f("pk_shipment_units")),
    )


def downgrade() -> None:
    migration_helpers.drop_shared_tables()
    op.drop_table("shipment_units")
    with op.batch_alter_table("unit_stock", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_stock_package")

    op.drop_table("unit_stock")
    op.drop_table("shipments")
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packages_parent_sscc"))

    op.drop_table("packages")
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index("ix_movements_unit")

    op.drop_table("movements")
    op.drop_table("lots")
    op.drop_table("lot_stock")
    op.drop_table("counters")
