"""initial schema: events (immutable), their identifier index, capture jobs

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from serialtrace.common.uow import create_shared_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Captured events are facts about the past: corrected by an error declaration beside
# them, never rewritten. The database itself refuses UPDATE and DELETE.
_PG_GUARD = """
CREATE OR REPLACE FUNCTION epcis_events_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'epcis_events is immutable: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql
"""
_PG_TRIGGERS = (
    "CREATE TRIGGER epcis_events_no_update_delete BEFORE UPDATE OR DELETE ON epcis_events "
    "FOR EACH ROW EXECUTE FUNCTION epcis_events_immutable()",
    "CREATE TRIGGER epcis_event_identifiers_no_update_delete BEFORE UPDATE OR DELETE "
    "ON epcis_event_identifiers FOR EACH ROW EXECUTE FUNCTION epcis_events_immutable()",
)
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER epcis_events_no_update BEFORE UPDATE ON epcis_events "
    "BEGIN SELECT RAISE(ABORT, 'epcis_events is immutable: UPDATE refused'); END",
    "CREATE TRIGGER epcis_events_no_delete BEFORE DELETE ON epcis_events "
    "BEGIN SELECT RAISE(ABORT, 'epcis_events is immutable: DELETE refused'); END",
)


def upgrade() -> None:
    # The audit ledger (append-only, guarded by triggers) and idempotency keys.
    create_shared_tables(op.get_bind())
    op.create_table(
        "epcis_events",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=True),
        sa.Column("biz_step", sa.String(length=300), nullable=True),
        sa.Column("disposition", sa.String(length=300), nullable=True),
        sa.Column("read_point", sa.String(length=300), nullable=True),
        sa.Column("biz_location", sa.String(length=300), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capture_id", sa.String(length=40), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("event_json", sa.Text(), nullable=False),
        sa.Column("context_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_epcis_events")),
        sa.UniqueConstraint("event_id", "kind", name=op.f("uq_epcis_events_event_id")),
    )
    op.create_index("ix_epcis_events_event_time", "epcis_events", ["event_time"])
    op.create_index("ix_epcis_events_record_time", "epcis_events", ["record_time"])
    op.create_index("ix_epcis_events_biz_step", "epcis_events", ["biz_step"])
    op.create_table(
        "epcis_event_identifiers",
        sa.Column("event_seq", SEQ, nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("identifier", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["epcis_events.seq"],
            name=op.f("fk_epcis_event_identifiers_event_seq_epcis_events"),
        ),
        sa.PrimaryKeyConstraint(
            "event_seq", "role", "identifier", name=op.f("pk_epcis_event_identifiers")
        ),
    )
    op.create_index(
        "ix_epcis_event_identifiers_identifier",
        "epcis_event_identifiers",
        ["identifier", "role"],
    )
    op.create_table(
        "capture_jobs",
        sa.Column("capture_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("behaviour", sa.String(length=10), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("captured_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("capture_id", name=op.f("pk_capture_jobs")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_PG_GUARD)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("capture_jobs")
    op.drop_index("ix_epcis_event_identifiers_identifier", table_name="epcis_event_identifiers")
    op.drop_table("epcis_event_identifiers")
    op.drop_table("epcis_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS epcis_events_immutable()")
    op.drop_table("idempotency_keys")
    op.execute("DROP TABLE audit_ledger")
