"""What quality asks masterdata: whether the units and lots a hold names exist."""

from __future__ import annotations

from collections.abc import Sequence

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc

Key = tuple[str, str]
# A hold waits this long for masterdata, then fails closed (UNAVAILABLE, nothing held).
DEADLINE_SECONDS = 5.0


class Masterdata:
    def __init__(self, address: str, deadline: float = DEADLINE_SECONDS) -> None:
        self._client = ServiceClient(
            "masterdata", md_grpc.MasterdataServiceStub(open_channel(address)), deadline
        )

    def unknown(self, units: Sequence[Key], lots: Sequence[Key]) -> tuple[list[Key], list[Key]]:
        """The units and the lots masterdata has no record of, in the order given; one
        batch call for the units and one for the lots."""
        found_units: set[Key] = set()
        found_lots: set[Key] = set()
        if units:
            reply = self._client.BatchGetUnits(
                md.BatchGetUnitsRequest(keys=[core_pb2.UnitKey(sku=s, serial=n) for s, n in units])
            )
            found_units = {(u.sku, u.serial) for u in reply.units}
        if lots:
            reply = self._client.BatchGetLots(
                md.BatchGetLotsRequest(keys=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in lots])
            )
            found_lots = {(lot.sku, lot.lot_number) for lot in reply.lots}
        return (
            [k for k in units if k not in found_units],
            [k for k in lots if k not in found_lots],
        )
