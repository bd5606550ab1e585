"""where-used in (sku, serial) order: the ancestor's key in the ancestry index"""

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    with op.batch_alter_table("genealogy_ancestry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ancestor_sku", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ancestor_key", sa.String(length=100), nullable=True))
    # Constant SQL, no parameters: each row takes its ancestor node's (sku, key).
    op.execute(
        "UPDATE genealogy_ancestry SET "
        "ancestor_sku = (SELECT n.sku FROM genealogy_nodes n WHERE n.id = ancestor_id), "
        "ancestor_key = (SELECT n.key FROM genealogy_nodes n WHERE n.id = ancestor_id)"
    )
    with op.batch_alter_table("genealogy_ancestry", schema=None) as batch_op:
        batch_op.alter_column("ancestor_sku", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("ancestor_key", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_index("ix_genealogy_ancestry_descendant")
        batch_op.create_index(
            "ix_genealogy_ancestry_descendant_key",
            ["descendant_id", "ancestor_sku", "ancestor_key", "ancestor_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("genealogy_ancestry", schema=None) as batch_op:
        batch_op.drop_index("ix_genealogy_ancestry_descendant_key")
        batch_op.create_index(
            "ix_genealogy_ancestry_descendant", ["descendant_id", "ancestor_id"], unique=False
        )
        batch_op.drop_column("ancestor_key")
        batch_op.drop_column("ancestor_sku")
