"""genealogy with maintained ancestry

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "genealogy_nodes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "installed_in_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["installed_in_id"],
            ["genealogy_nodes.id"],
            name=op.f("fk_genealogy_nodes_installed_in_id_genealogy_nodes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genealogy_nodes")),
        sa.UniqueConstraint("kind", "sku", "key", name=op.f("uq_genealogy_nodes_kind")),
    )
    with op.batch_alter_table("genealogy_nodes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_genealogy_nodes_installed_in_id"), ["installed_in_id"], unique=False
        )

    op.create_table(
        "genealogy_ancestry",
        sa.Column(
            "ancestor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "descendant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("paths", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ancestor_id"],
            ["genealogy_nodes.id"],
            name=op.f("fk_genealogy_ancestry_ancestor_id_genealogy_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["descendant_id"],
            ["genealogy_nodes.id"],
            name=op.f("fk_genealogy_ancestry_descendant_id_genealogy_nodes"),
        ),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id", name=op.f("pk_genealogy_ancestry")),
    )
    with op.batch_alter_table("genealogy_ancestry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_genealogy_ancestry_descendant", ["descendant_id", "ancestor_id"], unique=False
        )

    op.create_table(
        "genealogy_edges",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "component_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("installed_by", sa.String(length=200), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removal_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["genealogy_nodes.id"],
            name=op.f("fk_genealogy_edges_component_id_genealogy_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["genealogy_nodes.id"],
            name=op.f("fk_genealogy_edges_parent_id_genealogy_nodes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genealogy_edges")),
    )
    with op.batch_alter_table("genealogy_edges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_genealogy_edges_component_id"), ["component_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_genealogy_edges_parent_id"), ["parent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("genealogy_edges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genealogy_edges_parent_id"))
        batch_op.drop_index(batch_op.f("ix_genealogy_edges_component_id"))

    op.drop_table("genealogy_edges")
    with op.batch_alter_table("genealogy_ancestry", schema=None) as batch_op:
        batch_op.drop_index("ix_genealogy_ancestry_descendant")

    op.drop_table("genealogy_ancestry")
    with op.batch_alter_table("genealogy_nodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genealogy_nodes_installed_in_id"))

    op.drop_table("genealogy_nodes")
