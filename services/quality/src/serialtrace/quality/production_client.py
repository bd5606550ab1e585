"""What quality asks production: which units contain a lot or unit, at any depth."""

from __future__ import annotations

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.core.v1 import core_pb2
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc

PAGE = 20_000


class Production:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "production", pb_grpc.ProductionServiceStub(open_channel(address))
        )

    def units_containing(
        self, kind: str, sku: str, key: str, top_level_only: bool = False
    ) -> list[tuple[str, str]]:
        """Every unit containing the lot or unit (subassemblies too, unless only top-level
        units are asked for), read in pages."""
        target = (
            {"lot": core_pb2.LotKey(sku=sku, lot_number=key)}
            if kind == "LOT"
            else {"unit": core_pb2.UnitKey(sku=sku, serial=key)}
        )
        found: list[tuple[str, str]] = []
        token = ""
        while True:
            page = self._client.WhereUsed(
                pb.WhereUsedRequest(
                    page_size=PAGE,
                    page_token=token,
                    include_intermediate=not top_level_only,
                    **target,
                ),
                timeout=30,
            )
            found += [(u.sku, u.serial) for u in page.units]
            token = page.next_page_token
            if not token:
                return found
