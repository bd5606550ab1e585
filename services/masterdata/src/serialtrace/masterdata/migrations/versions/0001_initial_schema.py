"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, optional_times, texts

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "locations",
        *texts(code=64, name=200, kind=10),
        *optional_texts(gln=13, parent_code=64),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["locations.code"], name=op.f("fk_locations_parent_code_locations")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_locations")),
        sa.UniqueConstraint("gln", name=op.f("uq_locations_gln")),
    )
    op.create_table(
        "parties",
        *texts(code=64, name=200, kind=10),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_parties")),
    )
    op.create_table(
        "products",
        *texts(sku=64, name=200, kind=20, tracking=10),
        *optional_texts(gtin=14, serial_pattern=500, serial_template=200),
        *texts(uniqueness=10),
        sa.Column("required_attributes", sa.JSON(), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        *migration_helpers.created(),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
        sa.UniqueConstraint("gtin", name=op.f("uq_products_gtin")),
    )
    op.create_table(
        "bom_revisions",
        *texts(sku=64, revision=20),
        *optional_times("effective_from"),
        *migration_helpers.signature("approved", "approval_meaning"),
        *migration_helpers.created(),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_bom_revisions_sku_products")
        ),
        sa.PrimaryKeyConstraint("sku", "revision", name=op.f("pk_bom_revisions")),
    )
    op.create_table(
        "global_serials",
        *texts(serial=100, sku=64),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_global_serials_sku_products")
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_global_serials")),
    )
    op.create_table(
        "lots",
        *texts(sku=64, lot_number=40),
        *optional_texts(supplier_code=64, supplier_lot_number=100),
        *optional_times("produced_at", "expires_at"),
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
        *texts(sku=64, serial=100, source=20),
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
        *texts(sku=64, revision=20, item_sku=64),
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
        *texts(kind=32, value=100),
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
