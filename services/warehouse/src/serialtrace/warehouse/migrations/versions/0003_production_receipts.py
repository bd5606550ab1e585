"""production receipts: the work order a RECEIVE from production came from"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers

revision: str = "0003"
down_revision: str | None = "0002"


upgrade, downgrade = migration_helpers.new_columns(
    "movements", sa.Column("work_order_id", sa.String(length=40), nullable=True)
)
