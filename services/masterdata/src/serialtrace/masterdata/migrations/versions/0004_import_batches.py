"""migration import batches and the provenance of imported registry entries"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        *migration_helpers.created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    migration_helpers.create_import_provenance(batches="import_batches")


def downgrade() -> None:
    migration_helpers.drop_import_provenance()
    op.drop_table("import_batches")
