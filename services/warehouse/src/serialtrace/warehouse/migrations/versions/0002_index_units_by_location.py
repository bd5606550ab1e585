"""index units by location"""

from serialtrace.common import migration_helpers

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    migration_helpers.create_index(
        "unit_stock", "ix_unit_stock_location", ["location_code", "sku", "serial"]
    )


def downgrade() -> None:
    migration_helpers.drop_index("unit_stock", "ix_unit_stock_location")
