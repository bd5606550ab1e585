"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "lot_stock",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("location_code", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        sa.PrimaryKeyConstraint("sku", "lot_number", "location_code", name=op.f("pk_lot_stock")),
    )
    op.create_table(
        "lots",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", "lot_number", name=op.f("pk_lots")),
    )
    op.create_table(
        "movements",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("from_location", sa.String(length=64), nullable=True),
        sa.Column("to_location", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=300), nullable=True),
        sa.Column("unit_sku", sa.String(length=64), nullable=True),
        sa.Column("unit_serial", sa.String(length=100), nullable=True),
        sa.Column("lot_sku", sa.String(length=64), nullable=True),
        sa.Column("lot_number", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("package_sscc", sa.String(length=18), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_movements")),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index("ix_movements_unit", ["unit_sku", "unit_serial", "seq"], unique=False)

    op.create_table(
        "packages",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("parent_sscc", sa.String(length=18), nullable=True),
        sa.Column("location_code", sa.String(length=64), nullable=True),
        sa.Column("shipment_id", sa.String(length=40), nullable=True),
        *migration_helpers.created(),
        sa.Column("unpacked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_sscc"], ["packages.sscc"], name=op.f("fk_packages_parent_sscc_packages")
        ),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_packages")),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packages_parent_sscc"), ["parent_sscc"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("shipped_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    op.create_table(
        "unit_stock",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("custody", sa.String(length=10), nullable=False),
        sa.Column("location_code", sa.String(length=64), nullable=True),
        sa.Column("package_sscc", sa.String(length=18), nullable=True),
        sa.Column("shipment_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("sku", "serial", name=op.f("pk_unit_stock")),
    )
    with op.batch_alter_table("unit_stock", schema=None) as batch_op:
        batch_op.create_index("ix_unit_stock_package", ["package_sscc"], unique=False)

    op.create_table(
        "shipment_units",
        sa.Column("shipment_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
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
