"""genealogy with maintained ancestry"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import (
    big_id_refs,
    optional_texts,
    optional_times,
    table,
    texts,
    times,
)

revision: str = "0002"
down_revision: str | None = "0001"

NODE = "genealogy_nodes.id"

upgrade, downgrade = migration_helpers.tables(
    genealogy_nodes=table(
        migration_helpers.big_id("id"),
        *texts(kind=4, sku=64, key=100),
        sa.Column("installed_in_id", migration_helpers.BIG_ID, nullable=True),
        key="id",
        references={"installed_in_id": NODE},
        unique=("kind", "sku", "key"),
        indexes={"ix_genealogy_nodes_installed_in_id": "installed_in_id"},
    ),
    genealogy_ancestry=table(
        *big_id_refs("ancestor_id", "descendant_id"),
        sa.Column("paths", sa.BigInteger(), nullable=False),
        key=("ancestor_id", "descendant_id"),
        references={"ancestor_id": NODE, "descendant_id": NODE},
        indexes={"ix_genealogy_ancestry_descendant": ("descendant_id", "ancestor_id")},
    ),
    genealogy_edges=table(
        *texts(id=40),
        *big_id_refs("parent_id", "component_id"),
        sa.Column("quantity", sa.Float(), nullable=False),
        *optional_texts(operation=64),
        *times("installed_at"),
        *texts(installed_by=200),
        *optional_times("removed_at"),
        *optional_texts(removed_by=200, removal_reason=500),
        key="id",
        references={"component_id": NODE, "parent_id": NODE},
        indexes={
            "ix_genealogy_edges_component_id": "component_id",
            "ix_genealogy_edges_parent_id": "parent_id",
        },
    ),
)
