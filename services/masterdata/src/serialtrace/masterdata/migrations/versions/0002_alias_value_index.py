"""index unit aliases by value (scans resolve a value without its kind)"""

from serialtrace.common import migration_helpers

revision: str = "0002"
down_revision: str | None = "0001"


upgrade, downgrade = migration_helpers.new_index("unit_aliases", "ix_unit_aliases_value", ["value"])
