"""The steps and column shapes every service's Alembic history repeats, written once.

A migration that has run must go on building the same schema, so what these helpers emit
is frozen: change a table with a new migration (and a new helper if several services need
it), never by editing one here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from serialtrace.common import ledger, uow

# Autoincrementing ids and the columns that refer to them: BIGINT on PostgreSQL, INTEGER
# on SQLite (where only INTEGER PRIMARY KEY is the rowid).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_shared_tables() -> None:
    """The audit ledger (append-only, guarded by triggers) and the idempotency keys: the
    first step of each service's first migration."""
    uow.create_shared_tables(op.get_bind())


def drop_shared_tables() -> None:
    op.drop_table("idempotency_keys")
    op.execute("DROP TABLE audit_ledger")


def create_ledger_checkpoints() -> None:
    """The signed ledger checkpoints, append-only, in a table beside the ledger."""
    ledger.create_checkpoint_table(op.get_bind())


def drop_ledger_checkpoints() -> None:
    op.drop_table("ledger_checkpoints")


def big_id(name: str = "id") -> sa.Column[Any]:
    """An autoincrementing BIG_ID column (a table's surrogate key)."""
    return sa.Column(name, BIG_ID, autoincrement=True, nullable=False)


def texts(**lengths: int) -> list[sa.Column[Any]]:
    """VARCHAR columns, NOT NULL, in the order given: `texts(sku=64, serial=100)`."""
    return [sa.Column(name, sa.String(length=n), nullable=False) for name, n in lengths.items()]


def optional_texts(**lengths: int) -> list[sa.Column[Any]]:
    """VARCHAR columns that may be NULL, in the order given."""
    return [sa.Column(name, sa.String(length=n), nullable=True) for name, n in lengths.items()]


def times(*names: str) -> list[sa.Column[Any]]:
    """Timestamp-with-time-zone columns, NOT NULL."""
    return [sa.Column(name, sa.DateTime(timezone=True), nullable=False) for name in names]


def optional_times(*names: str) -> list[sa.Column[Any]]:
    """Timestamp-with-time-zone columns that may be NULL."""
    return [sa.Column(name, sa.DateTime(timezone=True), nullable=True) for name in names]


def created() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """created_at and created_by: when and by whom a row was made."""
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
    )


def signature(prefix: str, meaning: str) -> tuple[sa.Column[Any], sa.Column[Any], sa.Column[Any]]:
    """An electronic signature's who, when and meaning (<prefix>_by, <prefix>_at, `meaning`),
    empty until signed."""
    return (
        sa.Column(f"{prefix}_by", sa.String(length=200), nullable=True),
        sa.Column(f"{prefix}_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(meaning, sa.String(length=500), nullable=True),
    )


def create_import_provenance(batches: str | None = None) -> None:
    """import_provenance: which import batch, file and row each imported entity came from;
    `batches` names the table of batches when the service keeps one."""
    references = (
        [
            sa.ForeignKeyConstraint(
                ["batch_id"],
                [f"{batches}.id"],
                name=op.f(f"fk_import_provenance_batch_id_{batches}"),
            )
        ]
        if batches
        else []
    )
    op.create_table(
        "import_provenance",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *references,
        sa.PrimaryKeyConstraint(
            "entity_type", "entity_id", "batch_id", name=op.f("pk_import_provenance")
        ),
    )
    op.create_index(
        op.f("ix_import_provenance_batch_id"), "import_provenance", ["batch_id"], unique=False
    )


def drop_import_provenance() -> None:
    op.drop_index(op.f("ix_import_provenance_batch_id"), table_name="import_provenance")
    op.drop_table("import_provenance")


Step = Callable[[], None]


def new_columns(table: str, *columns: sa.Column[Any]) -> tuple[Step, Step]:
    """The upgrade and downgrade of a revision that adds nullable columns to `table` (in
    batch mode, which SQLite needs to change a table)."""

    def upgrade() -> None:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(column)

    def downgrade() -> None:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column.name)

    return upgrade, downgrade


def new_index(table: str, name: str, columns: list[str]) -> tuple[Step, Step]:
    """The upgrade and downgrade of a revision that adds one non-unique index."""

    def upgrade() -> None:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)

    def downgrade() -> None:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)

    return upgrade, downgrade
