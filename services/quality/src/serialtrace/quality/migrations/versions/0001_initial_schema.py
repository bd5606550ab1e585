"""initial schema"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "holds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *migration_helpers.signature("released", "release_meaning"),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holds_active"), ["active"], unique=False)

    op.create_table(
        "inspections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject_kind", sa.String(length=4), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("inspector", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspections_subject", ["subject_kind", "sku", "key"], unique=False
        )

    op.create_table(
        "nonconformances",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("disposition", sa.String(length=20), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        *migration_helpers.signature("closed", "closure_meaning"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformances")),
    )
    op.create_table(
        "hold_coverage",
        sa.Column("hold_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_hold_coverage_hold_id_holds")
        ),
        sa.PrimaryKeyConstraint("hold_id", "sku", "serial", name=op.f("pk_hold_coverage")),
    )
    with op.batch_alter_table("hold_coverage", schema=None) as batch_op:
        batch_op.create_index("ix_hold_coverage_unit", ["sku", "serial"], unique=False)

    op.create_table(
        "hold_subjects",
        sa.Column("hold_id", sa.String(length=40), nullable=False),
        sa.Column("subject_kind", sa.String(length=4), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
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
        sa.Column("ncr_id", sa.String(length=40), nullable=False),
        sa.Column("subject_kind", sa.String(length=4), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
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
