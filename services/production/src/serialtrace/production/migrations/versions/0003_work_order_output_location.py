"""work order output location: where its completed units enter stock"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers

revision: str = "0003"
down_revision: str | None = "0002"


# Nullable: work orders created before this have none; their first completion chooses
# one by the same rule as a new work order and stores it.
upgrade, downgrade = migration_helpers.new_columns(
    "work_orders", sa.Column("output_location_code", sa.String(length=64), nullable=True)
)
