"""index units by location"""

from serialtrace.common import migration_helpers

revision: str = "0002"
down_revision: str | None = "0001"


upgrade, downgrade = migration_helpers.new_index(
    "unit_stock", "ix_unit_stock_location", ["location_code", "sku", "serial"]
)
