"""genealogy with maintained ancestry"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, optional_times, texts, times

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.create_table(
        "genealogy_nodes",
        migration_helpers.big_id("id"),
        *texts(kind=4, sku=64, key=100),
        sa.Column("installed_in_id", migration_helpers.BIG_ID, nullable=True),
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
        sa.Column("ancestor_id", migration_helpers.BIG_ID, nullable=False),
        sa.Column("descendant_id", migration_helpers.BIG_ID, nullable=False),
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
        *texts(id=40),
        sa.Column("parent_id", migration_helpers.BIG_ID, nullable=False),
        sa.Column("component_id", migration_helpers.BIG_ID, nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        *optional_texts(operation=64),
        *times("installed_at"),
        *texts(installed_by=200),
        *optional_times("removed_at"),
        *optional_texts(removed_by=200, removal_reason=500),
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
