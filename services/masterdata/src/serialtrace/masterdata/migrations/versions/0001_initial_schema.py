"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "locations",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("gln", sa.String(length=13), nullable=True),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["locations.code"], name=op.f("fk_locations_parent_code_locations")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_locations")),
        sa.UniqueConstraint("gln", name=op.f("uq_locations_gln")),
    )
    op.create_table(
        "parties",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_parties")),
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("tracking", sa.String(length=10), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("serial_pattern", sa.String(length=500), nullable=True),
        sa.Column("serial_template", sa.String(length=200), nullable=True),
        sa.Column("uniqueness", sa.String(length=10), nullable=False),
        sa.Column("required_attributes", sa.JSON(), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        *migration_helpers.created(),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
        sa.UniqueConstraint("gtin", name=op.f("uq_products_gtin")),
    )
    op.create_table(
        "bom_revisions",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=True),
        *migration_helpers.signature("approved", "approval_meaning"),
        *migration_helpers.created(),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_bom_revisions_sku_products")
        ),
        sa.PrimaryKeyConstraint("sku", "revision", name=op.f("pk_bom_revisions")),
    )
    op.create_table(
        "global_serials",
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_global_serials_sku_products")
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_global_serials")),
    )
    op.create_table(
        "lots",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=True),
        sa.Column("supplier_lot_number", sa.String(length=100), nullable=True),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        *migration_helpers.created(),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("fk_lots_sku_products")),
        sa.ForeignKeyConstraint(
            ["supplier_code"], ["parties.code"], name=op.f("fk_lots_supplier_code_parties")
        ),
        sa.PrimaryKeyConstraint("sku", "lot_number", name=op.f("pk_lots")),
    )
    op.create_table(
        "units",
        migration_helpers.big_id("id"),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        *migration_helpers.created(),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("fk_units_sku_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("sku", "serial", name=op.f("uq_units_sku")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index("ix_units_serial", ["serial"], unique=False)

    op.create_table(
        "bom_items",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.String(length=20), nullable=False),
        sa.Column("item_sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_sku"], ["products.sku"], name=op.f("fk_bom_items_item_sku_products")
        ),
        sa.ForeignKeyConstraint(
            ["sku", "revision"],
            ["bom_revisions.sku", "bom_revisions.revision"],
            name=op.f("fk_bom_items_sku_bom_revisions"),
        ),
        sa.PrimaryKeyConstraint("sku", "revision", "item_sku", name=op.f("pk_bom_items")),
    )
    op.create_table(
        "unit_aliases",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("unit_id", migration_helpers.BIG_ID, nullable=False),
        *migration_helpers.created(),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_aliases_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_unit_aliases")),
    )
    with op.batch_alter_table("unit_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_aliases_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    migration_helpers.drop_shared_tables()
    with op.batch_alter_table("unit_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_aliases_unit_id"))

    op.drop_table("unit_aliases")
    op.drop_table("bom_items")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_serial")

    op.drop_table("units")
    op.drop_table("lots")
    op.drop_table("global_serials")
    op.drop_table("bom_revisions")
    op.drop_table("products")
    op.drop_table("parties")
    op.drop_table("locations")
