"""initial schema: locations, parties, products and BOMs, the unit and lot registries"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import (
    big_id_refs,
    created,
    optional_texts,
    optional_times,
    table,
    texts,
)

revision: str = "0001"
down_revision: str | None = None

upgrade, downgrade = migration_helpers.initial_schema(
    locations=table(
        *texts(code=64, name=200, kind=10),
        *optional_texts(gln=13, parent_code=64),
        key="code",
        references={"parent_code": "locations.code"},
        unique="gln",
    ),
    parties=table(*texts(code=64, name=200, kind=10), key="code"),
    products=table(
        *texts(sku=64, name=200, kind=20, tracking=10),
        *optional_texts(gtin=14, serial_pattern=500, serial_template=200),
        *texts(uniqueness=10),
        sa.Column("required_attributes", sa.JSON(), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        *created(),
        key="sku",
        unique="gtin",
    ),
    bom_revisions=table(
        *texts(sku=64, revision=20),
        *optional_times("effective_from"),
        *migration_helpers.signature("approved", "approval_meaning"),
        *created(),
        key=("sku", "revision"),
        references={"sku": "products.sku"},
    ),
    global_serials=table(
        *texts(serial=100, sku=64),
        key="serial",
        references={"sku": "products.sku"},
    ),
    lots=table(
        *texts(sku=64, lot_number=40),
        *optional_texts(supplier_code=64, supplier_lot_number=100),
        *optional_times("produced_at", "expires_at"),
        *created(),
        key=("sku", "lot_number"),
        references={"sku": "products.sku", "supplier_code": "parties.code"},
    ),
    units=table(
        migration_helpers.big_id("id"),
        *texts(sku=64, serial=100, source=20),
        sa.Column("attributes", sa.JSON(), nullable=False),
        *created(),
        key="id",
        references={"sku": "products.sku"},
        unique=("sku", "serial"),
        indexes={"ix_units_serial": "serial"},
    ),
    bom_items=table(
        *texts(sku=64, revision=20, item_sku=64),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        key=("sku", "revision", "item_sku"),
        references={
            "item_sku": "products.sku",
            ("sku", "revision"): ("bom_revisions.sku", "bom_revisions.revision"),
        },
    ),
    unit_aliases=table(
        *texts(kind=32, value=100),
        *big_id_refs("unit_id"),
        *created(),
        key=("kind", "value"),
        references={"unit_id": "units.id"},
        indexes={"ix_unit_aliases_unit_id": "unit_id"},
    ),
)
