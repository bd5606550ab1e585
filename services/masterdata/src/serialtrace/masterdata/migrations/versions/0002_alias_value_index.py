"""index unit aliases by value (scans resolve a value without its kind)"""

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.create_index(op.f("ix_unit_aliases_value"), "unit_aliases", ["value"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_aliases_value"), table_name="unit_aliases")
