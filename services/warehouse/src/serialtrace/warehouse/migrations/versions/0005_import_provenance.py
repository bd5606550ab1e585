"""provenance of stock and shipments imported from a legacy system"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers

revision: str = "0005"
down_revision: str | None = "0004"

# No table of batches (masterdata keeps them); each row names the movement it made.
upgrade, downgrade = migration_helpers.tables(
    import_provenance=migration_helpers.import_provenance(
        None, sa.Column("movement_seq", sa.Integer(), nullable=False)
    )
)
