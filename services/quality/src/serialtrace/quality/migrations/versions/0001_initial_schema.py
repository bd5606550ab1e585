"""initial schema: holds, inspections, nonconformances and what each is about"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import Table, optional_texts, table, texts, times

revision: str = "0001"
down_revision: str | None = None


def subjects(owner: str, owner_table: str, index: str) -> Table:
    """What a hold or a nonconformance is about: lots and units by (sku, key)."""
    return table(
        *texts(**{owner: 40}, subject_kind=4, sku=64, key=100),
        key=(owner, "subject_kind", "sku", "key"),
        references={owner: f"{owner_table}.id"},
        indexes={index: ("subject_kind", "sku", "key")},
    )


upgrade, downgrade = migration_helpers.initial_schema(
    holds=table(
        *texts(id=40, reason=1000, placed_by=200),
        *times("placed_at"),
        sa.Column("active", sa.Boolean(), nullable=False),
        *migration_helpers.signature("released", "release_meaning"),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        key="id",
        indexes={"ix_holds_active": "active"},
    ),
    inspections=table(
        *texts(id=40, kind=12, subject_kind=4, sku=64, key=100, result=4, inspector=200),
        *times("at"),
        sa.Column("measurements", sa.JSON(), nullable=False),
        key="id",
        indexes={"ix_inspections_subject": ("subject_kind", "sku", "key")},
    ),
    nonconformances=table(
        *texts(id=40, description=2000),
        *optional_texts(disposition=20),
        *texts(opened_by=200),
        *times("opened_at"),
        *migration_helpers.signature("closed", "closure_meaning"),
        key="id",
    ),
    hold_coverage=table(
        *texts(hold_id=40, sku=64, serial=100),
        key=("hold_id", "sku", "serial"),
        references={"hold_id": "holds.id"},
        indexes={"ix_hold_coverage_unit": ("sku", "serial")},
    ),
    hold_subjects=subjects("hold_id", "holds", "ix_hold_subjects_subject"),
    nonconformance_subjects=subjects(
        "ncr_id", "nonconformances", "ix_nonconformance_subjects_subject"
    ),
)
