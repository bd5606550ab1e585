"""Production's enums, as its domain uses them: its proto enums' values, each member's
value its name (see serialtrace.common.proto_enums). The type checker reads the members
from enums.pyi beside this file, which `make proto` generates."""

from __future__ import annotations

from serialtrace.common.proto_enums import build
from serialtrace.production.v1 import production_pb2 as pb

# In the order enums.pyi lists them.
PROTO_ENUMS = (
    pb.BuildStatus,
    pb.WorkOrderStatus,
)

# As the generated _pb2 modules do, the names are bound from the descriptors.
globals().update(build(PROTO_ENUMS, __name__))
