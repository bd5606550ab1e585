"""provenance of facts imported from a legacy MES"""

from serialtrace.common import migration_helpers

revision: str = "0006"
down_revision: str | None = "0005"

# No table of batches here: masterdata keeps them, production only the provenance.
upgrade, downgrade = migration_helpers.tables(
    import_provenance=migration_helpers.import_provenance()
)
