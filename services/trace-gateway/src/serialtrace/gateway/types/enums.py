"""The graph's enums, built from the services' proto enums when this module is imported.

Which enums, and the values only the graph has (UNKNOWN marks a status whose owner is
down), are listed in serialtrace/gateway/proto_enums.py. The type checker reads their
members from enums.pyi beside this file, which `make proto` generates.
"""

from __future__ import annotations

from serialtrace.gateway.proto_enums import GRAPH_ENUMS

# As the generated _pb2 modules do, the names are bound from the descriptors.
globals().update({graph_enum.name: graph_enum.build() for graph_enum in GRAPH_ENUMS})
