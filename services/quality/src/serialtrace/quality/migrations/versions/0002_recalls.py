"""recalls"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, table, texts

revision: str = "0002"
down_revision: str | None = "0001"

upgrade, downgrade = migration_helpers.tables(
    recalls=table(
        *texts(id=40, reason=1000, status=10),
        *migration_helpers.created(),
        sa.Column("scope_computed_in_ms", sa.Integer(), nullable=False),
        *optional_texts(hold_id=40),
        key="id",
        references={"hold_id": "holds.id"},
    ),
    recall_items=table(
        *texts(recall_id=40, sku=64, serial=100, state=15),
        *optional_texts(location_code=64, customer_code=64, shipment_id=40),
        key=("recall_id", "sku", "serial"),
        references={"recall_id": "recalls.id"},
        indexes={
            "ix_recall_items_state": ("recall_id", "state", "sku", "serial"),
            "ix_recall_items_unit": ("sku", "serial"),
        },
    ),
)
