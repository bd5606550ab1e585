"""The ledger follower's pass on a real repository database: the owners' entries it reads
become stored events once, and its cursors move past them."""

from __future__ import annotations

from datetime import timedelta

from serialtrace.common.auth import Principal, Role
from serialtrace.common.db import Database
from serialtrace.common.timeutil import utcnow
from serialtrace.epcis import implied, store, usecases
from serialtrace.epcis.testing import Repository
from serialtrace.epcis.v1 import epcis_pb2 as pb

GTIN = "09506000134352"


class RecordedLedgers:
    """The owners' ledgers as fixed lists of entries (the follower's only input)."""

    def __init__(self, entries: list[implied.LedgerEntry]) -> None:
        self.by_service = {s: [e for e in entries if e.service == s] for s in implied.FOLLOWED}

    def identity(self) -> Principal:
        return Principal("epcis-ledger-follower", frozenset({Role.AUDITOR}), "")

    def entries(self, service: str, after: int, limit: int) -> list[implied.LedgerEntry]:
        return [e for e in self.by_service[service] if e.seq > after][:limit]

    def resolve(self, entries: list[implied.LedgerEntry]) -> implied.Names:
        return implied.Names(gtins={"FG": GTIN})


def test_two_entries_that_imply_one_event_store_it_once_and_the_pass_moves_on(
    repository: Repository,
) -> None:
    # Two operations a unit passed in one transaction, both PASS: the same inspecting
    # observation at the same time, so one EPCIS event (one identity), not a failed pass.
    at = utcnow() - timedelta(seconds=5)
    serial = f"W{at.timestamp():.0f}"
    entries = [
        implied.LedgerEntry(
            "production",
            seq,
            at,
            "operation.recorded",
            "unit",
            f"FG:{serial}",
            {"operation": operation, "result": "PASS"},
        )
        for seq, operation in ((1, "ASSEMBLY"), (2, "FINAL-TEST"))
    ]
    database = Database(repository.database_url, pool_size=2)
    try:
        assert usecases.follow(database, RecordedLedgers(entries)) == 1
        with database.reader() as session:
            assert store.cursors(session)["production"] == 2
        assert usecases.follow(database, RecordedLedgers(entries)) == 0  # nothing new
        positions = repository.as_("viewer").GetFollowerPositions(pb.GetFollowerPositionsRequest())
        assert ("production", 2) in [(p.service, p.last_seq) for p in positions.positions]
    finally:
        database.engine.dispose()
