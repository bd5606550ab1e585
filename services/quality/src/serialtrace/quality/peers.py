"""What quality asks masterdata, production and warehouse, in quality's own terms: one
client class per peer.

Checks fail closed: an owner that cannot be reached raises UNAVAILABLE (from the shared
client) and nothing is held or recalled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.common.db import chunks
from serialtrace.common.keys import LotKey, UnitKey, lot_message, unit_columns, unit_message
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

# A hold waits this long for masterdata, then fails closed (UNAVAILABLE, nothing held).
DEADLINE_SECONDS = 5.0
# A recall of a lot in 30,000 units: one where-used page (production's largest) and three
# whereabouts calls (every request list is bounded at 10,000 items).
WHERE_USED_PAGE = 50_000
WHEREABOUTS_BATCH = 10_000


class Masterdata:
    """Whether the units and lots a hold names exist."""

    def __init__(self, address: str, deadline: float = DEADLINE_SECONDS) -> None:
        self._client = ServiceClient(
            "masterdata", md_grpc.MasterdataServiceStub(open_channel(address)), deadline
        )

    def unknown(
        self, units: Sequence[UnitKey], lots: Sequence[LotKey]
    ) -> tuple[list[UnitKey], list[LotKey]]:
        """The units and the lots masterdata has no record of, in the order given; one
        batch call for the units and one for the lots."""
        found_units: set[UnitKey] = set()
        found_lots: set[LotKey] = set()
        if units:
            reply = self._client.BatchGetUnits(
                md.BatchGetUnitsRequest(keys=[unit_message(k) for k in units])
            )
            found_units = {UnitKey(u.sku, u.serial) for u in reply.units}
        if lots:
            reply = self._client.BatchGetLots(
                md.BatchGetLotsRequest(keys=[lot_message(k) for k in lots])
            )
            found_lots = {LotKey(lot.sku, lot.lot_number) for lot in reply.lots}
        return (
            [k for k in units if k not in found_units],
            [k for k in lots if k not in found_lots],
        )


class Production:
    """Which units contain a lot or unit, at any depth."""

    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "production", pp_grpc.ProductionServiceStub(open_channel(address))
        )

    def units_containing(
        self, kind: str, sku: str, key: str, top_level_only: bool = False
    ) -> list[tuple[str, str]]:
        """Every unit containing the lot or unit (subassemblies too, unless only top-level
        units are asked for), read in pages."""
        target = (
            {"lot": lot_message((sku, key))}
            if kind == "LOT"
            else {"unit": unit_message((sku, key))}
        )
        found: list[tuple[str, str]] = []
        token = ""
        while True:
            page = self._client.WhereUsed(
                pp.WhereUsedRequest(
                    page_size=WHERE_USED_PAGE,
                    page_token=token,
                    include_intermediate=not top_level_only,
                    key_columns=True,
                    **target,
                ),
                timeout=30,
            )
            # Plain (sku, serial) tuples, zipped in C: UnitKeys are built in Python.
            found += zip(page.unit_columns.skus, page.unit_columns.serials, strict=True)
            token = page.next_page_token
            if not token:
                return found


class Whereabouts(NamedTuple):
    custody: str  # NONE, IN_STOCK, ISSUED, SHIPPED, RETURNED
    location_code: str | None
    shipment_id: str | None
    customer_code: str | None


class Warehouse:
    """Where each affected unit is, and to whom it shipped."""

    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "warehouse", wh_grpc.WarehouseServiceStub(open_channel(address))
        )

    def whereabouts(self, units: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Whereabouts]:
        """Where each unit is and to whom it shipped, one call per WHEREABOUTS_BATCH
        units; units the warehouse never saw are absent."""
        found: dict[tuple[str, str], Whereabouts] = {}
        for part in chunks(list(units), WHEREABOUTS_BATCH):
            reply = self._client.BatchGetWhereabouts(
                wh.BatchGetWhereaboutsRequest(unit_columns=unit_columns(part)), timeout=30
            )
            # Read a column at a time (one C call each), not a message per unit.
            columns = reply.columns
            found.update(
                zip(
                    zip(columns.units.skus, columns.units.serials, strict=True),
                    map(
                        Whereabouts,
                        map(_CUSTODY_NAMES.__getitem__, columns.custodies),
                        [v or None for v in columns.location_codes],
                        [v or None for v in columns.shipment_ids],
                        [v or None for v in columns.customer_codes],
                    ),
                    strict=True,
                )
            )
        return found


_CUSTODY_NAMES = {v: name.removeprefix("CUSTODY_STATUS_") for name, v in wh.CustodyStatus.items()}
