"""initial schema: holds, inspections, nonconformances and what each is about"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import Table, optional_texts, table, texts, times

revision: str = "0001"
down_revision: str | None = None


def subjects(name: str, owner: str, owner_table: str) -> Table:
    """What a hold or a nonconformance is about: lots and units by (sku, key)."""
    return table(
        name,
        *texts(**{owner: 40}, subject_kind=4, sku=64, key=100),
        key=(owner, "subject_kind", "sku", "key"),
        references={owner: f"{owner_table}.id"},
        indexes={f"ix_{name}_subject": ("subject_kind", "sku", "key")},
    )


upgrade, downgrade = migration_helpers.initial_schema(
    table(
        "holds",
        *texts(id=40, reason=1000, placed_by=200),
        *times("placed_at"),
        sa.Column("active", sa.Boolean(), nullable=False),
        *migration_helpers.signature("released", "release_meaning"),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        key="id",
        indexes={"ix_holds_active": "active"},
    ),
    table(
        "inspections",
        *texts(id=40, kind=12, subject_kind=4, sku=64, key=100, result=4, inspector=200),
        *times("at"),
        sa.Column("measurements", sa.JSON(), nullable=False),
        key="id",
        indexes={"ix_inspections_subject": ("subject_kind", "sku", "key")},
    ),
    table(
        "nonconformances",
        *texts(id=40, description=2000),
        *optional_texts(disposition=20),
        *texts(opened_by=200),
        *times("opened_at"),
        *migration_helpers.signature("closed", "closure_meaning"),
        key="id",
    ),
    table(
        "hold_coverage",
        *texts(hold_id=40, sku=64, serial=100),
        key=("hold_id", "sku", "serial"),
        references={"hold_id": "holds.id"},
        indexes={"ix_hold_coverage_unit": ("sku", "serial")},
    ),
    subjects("hold_subjects", "hold_id", "holds"),
    subjects("nonconformance_subjects", "ncr_id", "nonconformances"),
)
