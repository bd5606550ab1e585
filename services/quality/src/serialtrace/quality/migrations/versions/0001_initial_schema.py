"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, texts, times

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "holds",
        *texts(id=40, reason=1000, placed_by=200),
        *times("placed_at"),
        sa.Column("active", sa.Boolean(), nullable=False),
        *migration_helpers.signature("released", "release_meaning"),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holds_active"), ["active"], unique=False)

    op.create_table(
        "inspections",
        *texts(id=40, kind=12, subject_kind=4, sku=64, key=100, result=4, inspector=200),
        *times("at"),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspections_subject", ["subject_kind", "sku", "key"], unique=False
        )

    op.create_table(
        "nonconformances",
        *texts(id=40, description=2000),
        *optional_texts(disposition=20),
        *texts(opened_by=200),
        *times("opened_at"),
        *migration_helpers.signature("closed", "closure_meaning"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformances")),
    )
    op.create_table(
        "hold_coverage",
        *texts(hold_id=40, sku=64, serial=100),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_hold_coverage_hold_id_holds")
        ),
        sa.PrimaryKeyConstraint("hold_id", "sku", "serial", name=op.f("pk_hold_coverage")),
    )
    with op.batch_alter_table("hold_coverage", schema=None) as batch_op:
        batch_op.create_index("ix_hold_coverage_unit", ["sku", "serial"], unique=False)

    op.create_table(
        "hold_subjects",
        *texts(hold_id=40, subject_kind=4, sku=64, key=100),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_hold_subjects_hold_id_holds")
        ),
        sa.PrimaryKeyConstraint(
            "hold_id", "subject_kind", "sku", "key", name=op.f("pk_hold_subjects")
        ),
    )
    with op.batch_alter_table("hold_subjects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hold_subjects_subject", ["subject_kind", "sku", "key"], unique=False
        )

    op.create_table(
        "nonconformance_subjects",
        *texts(ncr_id=40, subject_kind=4, sku=64, key=100),
        sa.ForeignKeyConstraint(
            ["ncr_id"],
            ["nonconformances.id"],
            name=op.f("fk_nonconformance_subjects_ncr_id_nonconformances"),
        ),
        sa.PrimaryKeyConstraint(
            "ncr_id", "subject_kind", "sku", "key", name=op.f("pk_nonconformance_subjects")
        ),
    )
    with op.batch_alter_table("nonconformance_subjects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_nonconformance_subjects_subject", ["subject_kind", "sku", "key"], unique=False
        )


def downgrade() -> None:
    migration_helpers.drop_shared_tables()
    with op.batch_alter_table("nonconformance_subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_nonconformance_subjects_subject")

    op.drop_table("nonconformance_subjects")
    with op.batch_alter_table("hold_subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_hold_subjects_subject")

    op.drop_table("hold_subjects")
    with op.batch_alter_table("hold_coverage", schema=None) as batch_op:
        batch_op.drop_index("ix_hold_coverage_unit")

    op.drop_table("hold_coverage")
    op.drop_table("nonconformances")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_subject")

    op.drop_table("inspections")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holds_active"))

    op.drop_table("holds")
