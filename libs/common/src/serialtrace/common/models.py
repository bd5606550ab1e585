"""What every service's SQLAlchemy models share: the naming of constraints and indexes,
each service's MetaData, and the columns many tables repeat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.orm import Mapped, mapped_column

from serialtrace.common.timeutil import utcnow

# Constraint and index names every service's models use, so migrations name them stably
# (serialtrace.common.migration_helpers names its constraints the same way).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """A service's own MetaData (each service's models are a schema of their own)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class Created:
    """A model's created_at and created_by (the columns `migration_helpers.created`
    makes): when and by whom the row was made."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class KeyedByUnit:
    """A table keyed (wholly or after its own key columns) by one unit's (sku, serial),
    with the lengths every service's unit keys have (`migration_helpers.texts(sku=64,
    serial=100)`). The ORM places a mixin's columns after the table's own."""

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[str] = mapped_column(String(100), primary_key=True)


class ImportProvenance:
    """A service's import_provenance model (the table `migration_helpers.import_provenance`
    makes): which import batch, file and row each imported entity came from, and when it
    was recorded here. A service adds its own columns, or the batches its batch_id names."""

    __tablename__ = "import_provenance"
    entity_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    file: Mapped[str] = mapped_column(String(200))
    row: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def created_now(actor: str) -> dict[str, Any]:
    """The Created columns of a row made now by `actor`: `Row(..., **created_now(uow.actor))`."""
    return {"created_at": utcnow(), "created_by": actor}
