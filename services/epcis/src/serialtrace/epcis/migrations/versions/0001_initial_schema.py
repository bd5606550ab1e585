"""initial schema: events (immutable), their identifier index, capture jobs"""

import sqlalchemy as sa
from alembic import op

from serialtrace.common import migration_helpers
from serialtrace.common.db import install_append_only_guard
from serialtrace.common.migration_helpers import optional_texts, optional_times, table, texts, times

revision: str = "0001"
down_revision: str | None = None

TABLES = dict(
    epcis_events=table(
        migration_helpers.big_id("seq"),
        *texts(event_id=300, kind=20, content_hash=100, event_type=30),
        *optional_texts(action=10, biz_step=300, disposition=300, read_point=300, biz_location=300),
        *times("event_time", "record_time"),
        *optional_texts(capture_id=40),
        *texts(recorded_by=200),
        sa.Column("event_json", sa.Text(), nullable=False),
        sa.Column("context_json", sa.Text(), nullable=False),
        key="seq",
        unique=("event_id", "kind"),
        indexes={
            "ix_epcis_events_event_time": "event_time",
            "ix_epcis_events_record_time": "record_time",
            "ix_epcis_events_biz_step": "biz_step",
        },
    ),
    epcis_event_identifiers=table(
        *migration_helpers.big_id_refs("event_seq"),
        *texts(role=10, identifier=300),
        key=("event_seq", "role", "identifier"),
        references={"event_seq": "epcis_events.seq"},
        indexes={"ix_epcis_event_identifiers_identifier": ("identifier", "role")},
    ),
    capture_jobs=table(
        *texts(capture_id=40),
        *migration_helpers.created(),
        *optional_times("finished_at"),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        *texts(behaviour=10),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("captured_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        key="capture_id",
    ),
)
create_tables, drop_tables = migration_helpers.initial_schema(**TABLES)


def upgrade() -> None:
    create_tables()
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
    drop_tables()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS epcis_events_immutable()")
