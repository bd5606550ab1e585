"""migration import batches and the provenance of imported registry entries"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import table, texts, times

revision: str = "0004"
down_revision: str | None = "0003"

upgrade, downgrade = migration_helpers.tables(
    import_batches=table(
        *texts(id=40, name=200, state=20, content_sha256=64),
        sa.Column("files", sa.JSON(), nullable=False),
        *migration_helpers.created(),
        *times("updated_at"),
        key="id",
    ),
    import_provenance=migration_helpers.import_provenance(batches="import_batches"),
)
