"""provenance of facts imported from a legacy MES"""

from serialtrace.common import migration_helpers

revision: str = "0006"
down_revision: str | None = "0005"


def upgrade() -> None:
    # No table of batches here: masterdata keeps them, production only the provenance.
    migration_helpers.create_import_provenance()


downgrade = migration_helpers.drop_import_provenance
