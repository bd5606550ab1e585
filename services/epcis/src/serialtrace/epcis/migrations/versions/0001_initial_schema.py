"""initial schema: events (immutable), their identifier index, capture jobs"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.db import install_append_only_guard
from serialtrace.common.migration_helpers import optional_texts, optional_times, texts, times

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    migration_helpers.create_shared_tables()
    op.create_table(
        "epcis_events",
        migration_helpers.big_id("seq"),
        *texts(event_id=300, kind=20, content_hash=100, event_type=30),
        *optional_texts(action=10, biz_step=300, disposition=300, read_point=300, biz_location=300),
        *times("event_time", "record_time"),
        *optional_texts(capture_id=40),
        *texts(recorded_by=200),
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
        sa.Column("event_seq", migration_helpers.BIG_ID, nullable=False),
        *texts(role=10, identifier=300),
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
        *texts(capture_id=40),
        *migration_helpers.created(),
        *optional_times("finished_at"),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        *texts(behaviour=10),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("captured_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("capture_id", name=op.f("pk_capture_jobs")),
    )
    # Captured events are facts about the past: corrected by an error declaration beside
    # them, never rewritten. The database itself refuses UPDATE and DELETE.
    install_append_only_guard(
        op.get_bind(),
        "epcis_events_immutable",
        "epcis_events is immutable",
        ["epcis_events", "epcis_event_identifiers"],
        truncate=False,
        sqlite_tables=["epcis_events"],
    )


def downgrade() -> None:
    op.drop_table("capture_jobs")
    op.drop_index("ix_epcis_event_identifiers_identifier", table_name="epcis_event_identifiers")
    op.drop_table("epcis_event_identifiers")
    op.drop_table("epcis_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS epcis_events_immutable()")
    migration_helpers.drop_shared_tables()
