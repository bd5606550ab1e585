"""The steps and column shapes every service's Alembic history repeats, written once.

A migration that has run must go on building the same schema, so what these helpers emit
is frozen: change a table with a new migration (and a new helper if several services need
it), never by editing one here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op

from serialtrace.common import ledger, uow

# Autoincrementing ids and the columns that refer to them: BIGINT on PostgreSQL, INTEGER
# on SQLite (where only INTEGER PRIMARY KEY is the rowid).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# A revision's upgrade or downgrade.
Step = Callable[[], None]


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


def big_id_refs(*names: str) -> list[sa.Column[Any]]:
    """BIG_ID columns, NOT NULL, that refer to a table's big_id."""
    return [sa.Column(name, BIG_ID, nullable=False) for name in names]


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


@dataclass(frozen=True)
class Table:
    """One table as a migration creates it: its columns (and check constraints), its
    primary key, references, unique key and indexes. A revision names its tables by
    keyword, `tables(lots=table(...), ...)`, and its downgrade is the upgrade in reverse,
    so each table, constraint and index is written once."""

    items: tuple[Any, ...]
    key: tuple[str, ...]
    references: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    unique: tuple[str, ...]
    indexes: tuple[tuple[str, tuple[str, ...]], ...]

    def constraints(self, name: str) -> list[sa.Constraint]:
        """References, the primary key and the unique key of table `name`, named as
        NAMING_CONVENTION names them (fk_<table>_<column>_<table>, pk_<table>,
        uq_<table>_<column>)."""
        made: list[sa.Constraint] = [
            sa.ForeignKeyConstraint(
                list(columns),
                list(targets),
                name=op.f(f"fk_{name}_{columns[0]}_{targets[0].split('.')[0]}"),
            )
            for columns, targets in self.references
        ]
        made.append(sa.PrimaryKeyConstraint(*self.key, name=op.f(f"pk_{name}")))
        if self.unique:
            made.append(sa.UniqueConstraint(*self.unique, name=op.f(f"uq_{name}_{self.unique[0]}")))
        return made


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def table(
    *items: Any,
    key: str | Sequence[str],
    references: Mapping[str | tuple[str, ...], str | tuple[str, ...]] | None = None,
    unique: str | Sequence[str] = (),
    indexes: Mapping[str, str | Sequence[str]] | None = None,
) -> Table:
    """`lots=table(*texts(sku=64, lot_number=40), key=("sku", "lot_number"),
    references={"sku": "products.sku"}, indexes={"ix_lots_sku": "sku"})`."""
    return Table(
        items,
        _names(key),
        tuple((_names(c), _names(t)) for c, t in (references or {}).items()),
        _names(unique),
        tuple((ix, _names(columns)) for ix, columns in (indexes or {}).items()),
    )


def create(**made: Table) -> None:
    """Creates the tables in the order given, each followed by its indexes."""
    for name, t in made.items():
        op.create_table(name, *t.items, *t.constraints(name))
        for index, columns in t.indexes:
            op.create_index(op.f(index), name, list(columns), unique=False)


def drop(**made: Table) -> None:
    """Drops the tables (and their indexes) in the reverse of the order they were made."""
    for name, t in reversed(made.items()):
        for index, _ in reversed(t.indexes):
            op.drop_index(op.f(index), table_name=name)
        op.drop_table(name)


def tables(**made: Table) -> tuple[Step, Step]:
    """The upgrade and downgrade of a revision that creates tables (named, since Alembic
    logs each step by its function's name)."""

    def upgrade() -> None:
        create(**made)

    def downgrade() -> None:
        drop(**made)

    return upgrade, downgrade


def initial_schema(**made: Table) -> tuple[Step, Step]:
    """A service's first revision: the shared tables, then its own."""

    def upgrade() -> None:
        create_shared_tables()
        create(**made)

    def downgrade() -> None:
        drop(**made)
        drop_shared_tables()

    return upgrade, downgrade


def import_provenance(batches: str | None = None, *extra: sa.Column[Any]) -> Table:
    """The import_provenance table: which import batch, file and row each imported entity came from;
    `batches` names the table of batches when the service keeps one, `extra` are the
    service's own columns (after `row`)."""
    return table(
        *texts(entity_type=20, entity_id=200, batch_id=40, file=200),
        sa.Column("row", sa.Integer(), nullable=False),
        *extra,
        *times("recorded_at"),
        key=("entity_type", "entity_id", "batch_id"),
        references={"batch_id": f"{batches}.id"} if batches else None,
        indexes={"ix_import_provenance_batch_id": "batch_id"},
    )


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
