"""The graph's object types (graph-contract.graphql) and how each field is resolved.

Objects are built from the owning service's message; fields owned by another service
load through the request's DataLoaders, so nested lookups batch. Non-null fields whose
service is unreachable degrade (empty or UNKNOWN) and report UNAVAILABLE at their path.

One module per domain: enums, masterdata (products, parties, locations), production
(work orders, operations, installed components), warehouse (movements, packages,
shipments), quality (inspections, holds, recalls), audit (signatures, the ledger,
evidence), the two things people trace, unit and lot, and scans. messages turns service
messages into graph values (and a field's facts into them); connections pages lists.
"""

# The types refer to each other in cycles (a unit has lots, a lot is used in units).
# unit imports the domain modules' names, and they reach Unit through the module
# (`unit_types.Unit`), so unit must start loading first, whichever module is asked for.
from serialtrace.gateway.types import unit as _unit  # noqa: F401
