"""What warehouse asks masterdata, production and quality, in warehouse's own terms.

Checks fail closed: an owner that cannot be reached raises UNAVAILABLE (from the shared
client) and nothing is received, consumed or shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.common.keys import UnitKey, unit_key, unit_message
from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc


def _units(keys: Sequence[tuple[str, str]]) -> list[core_pb2.UnitKey]:
    return [unit_message(k) for k in keys]


class Masterdata:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "masterdata", md_grpc.MasterdataServiceStub(open_channel(address))
        )

    def missing_locations(self, codes: Sequence[str]) -> list[str]:
        found = self._client.BatchGetLocations(md.BatchGetLocationsRequest(codes=codes)).locations
        known = {loc.code for loc in found}
        return sorted({c for c in codes if c not in known})

    def party_kind(self, code: str) -> str | None:
        found = self._client.BatchGetParties(md.BatchGetPartiesRequest(codes=[code])).parties
        return md.PartyKind.Name(found[0].kind).removeprefix("PARTY_KIND_") if found else None

    def lot_exists(self, sku: str, number: str) -> bool:
        return bool(
            self._client.BatchGetLots(
                md.BatchGetLotsRequest(keys=[core_pb2.LotKey(sku=sku, lot_number=number)])
            ).lots
        )

    def missing_lots(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """The lots among these that masterdata does not know (one call)."""
        found = self._client.BatchGetLots(
            md.BatchGetLotsRequest(keys=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in keys])
        ).lots
        known = {(lot.sku, lot.lot_number) for lot in found}
        return {(s, n) for s, n in keys if (s, n) not in known}

    def register_lot(
        self,
        sku: str,
        number: str,
        supplier: str,
        supplier_lot: str,
        expires_at: datetime | None,
        key: str,
    ) -> None:
        self._client.RegisterLot(
            md.RegisterLotRequest(
                lot=md.Lot(
                    sku=sku,
                    lot_number=number,
                    supplier_code=supplier,
                    supplier_lot_number=supplier_lot,
                    expires_at=to_timestamp(expires_at),
                ),
                idempotency_key=key,
            )
        )

    def register_purchased(self, sku: str, serials: Sequence[str], key: str) -> None:
        self._client.RegisterUnits(
            md.RegisterUnitsRequest(
                sku=sku, serials=list(serials), source=md.UNIT_SOURCE_PURCHASED, idempotency_key=key
            ),
            timeout=30,
        )

    def purchased(self, keys: Sequence[UnitKey]) -> set[UnitKey]:
        found = self._client.BatchGetUnits(md.BatchGetUnitsRequest(keys=_units(keys))).units
        return {UnitKey(u.sku, u.serial) for u in found if u.source == md.UNIT_SOURCE_PURCHASED}


class Production:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "production", pp_grpc.ProductionServiceStub(open_channel(address))
        )

    def complete(self, keys: Sequence[UnitKey]) -> tuple[set[UnitKey], set[UnitKey]]:
        """(complete units, units production knows) among these."""
        builds = self._client.BatchGetUnitBuilds(
            pp.BatchGetUnitBuildsRequest(units=_units(keys))
        ).builds
        known = {unit_key(b.unit) for b in builds if b.status != pp.BUILD_STATUS_UNSPECIFIED}
        done = {unit_key(b.unit) for b in builds if b.status == pp.BUILD_STATUS_COMPLETE}
        return done, known


class Quality:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient("quality", qa_grpc.QualityServiceStub(open_channel(address)))

    def held(
        self, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]] = ()
    ) -> dict[str, list[str]]:
        """ "sku/serial" (or "sku/lot") → hold ids, for each held unit or lot among these."""
        checks = self._client.BatchCheckHolds(
            qa.BatchCheckHoldsRequest(
                units=_units(units), lots=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in lots]
            )
        ).checks
        result: dict[str, list[str]] = {}
        for check in checks:
            if check.held:
                name = (
                    f"{check.unit.sku}/{check.unit.serial}"
                    if check.HasField("unit")
                    else f"{check.lot.sku}/{check.lot.lot_number}"
                )
                result[name] = list(check.hold_ids)
        return result
