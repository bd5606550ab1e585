"""effect claims and outcomes of captured events, and the ledger follower's cursors"""

import sqlalchemy as sa

from serialtrace.common import migration_helpers
from serialtrace.common.migration_helpers import optional_texts, table, texts, times

revision: str = "0003"
down_revision: str | None = "0002"

upgrade, downgrade = migration_helpers.tables(
    epcis_effect_claims=table(
        *texts(event_id=300),
        sa.Column("n", sa.Integer(), nullable=False),
        *texts(service=20, action=60, entity_id=300),
        *optional_texts(matched_entry=40),
        key=("event_id", "n"),
        indexes={"ix_epcis_effect_claims_fact": ("service", "action", "entity_id")},
    ),
    epcis_effect_outcomes=table(
        *texts(event_id=300, outcome=30),
        sa.Column("message", sa.Text(), nullable=False),
        *times("at"),
        key="event_id",
    ),
    epcis_ledger_cursors=table(
        *texts(service=20),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        key="service",
    ),
)
