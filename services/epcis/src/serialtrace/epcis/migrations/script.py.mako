"""${message}"""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
# Steps every service repeats (shared tables, checkpoints, provenance, created_at/by,
# batch-mode column and index changes) are in serialtrace.common.migration_helpers.

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
