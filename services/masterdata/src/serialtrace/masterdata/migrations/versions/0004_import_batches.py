"""migration import batches and the provenance of imported registry entries"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import texts, times

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    op.create_table(
        "import_batches",
        *texts(id=40, name=200, state=20, content_sha256=64),
        sa.Column("files", sa.JSON(), nullable=False),
        *migration_helpers.created(),
        *times("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    migration_helpers.create_import_provenance(batches="import_batches")


def downgrade() -> None:
    migration_helpers.drop_import_provenance()
    op.drop_table("import_batches")
