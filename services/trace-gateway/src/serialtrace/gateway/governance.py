"""The data-governance indicators: computed on request from the four services' facts,
their ledgers' verification, and what this gateway measured itself (trace latency,
evidence packages). Each computation also sets the Prometheus gauges.

The facts read whole tables. A source (one service's facts, one ledger's verification,
the existence check) that took a second or more is kept with its time and served from
memory until it is `CACHE_SECONDS` old or a caller asks to refresh; each check says
when its sources were computed."""

from __future__ import annotations

import asyncio
import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry
from prometheus_client import Gauge
from strawberry.types import ExecutionContext

from serialtrace.common.auth import Role, issue_token, verify_token
from serialtrace.common.timeutil import from_timestamp, utcnow
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES, Backends, Calls
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.context import GatewayContext
from serialtrace.gateway.loaders import Loaders

TRACE_WINDOW_SECONDS = 3600
MAX_TRACE_SAMPLES = 100_000
# A source that cost at least this long is cached ...
SLOW_SECONDS = 1.0
# ... for this long: the background refresh's default period, which refreshes it.
CACHE_SECONDS = 300.0

COMPLETENESS = Gauge(
    "serialtrace_governance_completeness",
    "Share of units with every required attribute, BOM line and route operation",
)
CONSISTENCY_OFFENDERS = Gauge(
    "serialtrace_governance_consistency_offenders",
    "Offenders of each cross-service consistency check (0 when it holds)",
    ["check"],
)
TRACE_P50 = Gauge("serialtrace_governance_trace_p50_ms", "p50 of `unit` over the last hour")
TRACE_P95 = Gauge("serialtrace_governance_trace_p95_ms", "p95 of `unit` over the last hour")
RECALL_SCOPE = Gauge("serialtrace_governance_recall_scope_ms_mean", "Mean recall scope time")
RECALL_HANDLING = Gauge(
    "serialtrace_governance_recall_handling_hours_mean",
    "Mean time from createRecall to every item resolved, over resolved recalls",
)
CHANGE_TRACEABILITY = Gauge(
    "serialtrace_governance_change_traceability",
    "Share of ledger entries in a chain verified up to a signed checkpoint",
)
AUDIT_PREPARATION = Gauge(
    "serialtrace_governance_audit_preparation_ms_last",
    "Time the last evidence package took to build",
)

# The consistency checks, in the order the graph lists them.
UNITS_EXIST = "every unit known anywhere exists in masterdata"
LOT_BALANCE = "lot received - issued = on hand"
COMPLETE_BOM = "no COMPLETE unit with an unsatisfied BOM"
SHIPPED_HELD = "no unit shipped while held"


# --- what this gateway measures itself ---------------------------------------------------


class _Samples:
    """(monotonic time, milliseconds) of recent operations, bounded in time and count."""

    def __init__(self) -> None:
        self._items: deque[tuple[float, float]] = deque(maxlen=MAX_TRACE_SAMPLES)
        self._lock = threading.Lock()

    def add(self, ms: float, now: float | None = None) -> None:
        with self._lock:
            self._items.append((time.monotonic() if now is None else now, ms))

    def recent(self, window: float, now: float | None = None) -> list[float]:
        cutoff = (time.monotonic() if now is None else now) - window
        with self._lock:
            while self._items and self._items[0][0] < cutoff:
                self._items.popleft()
            return [ms for _, ms in self._items]


TRACE_SAMPLES = _Samples()
EVIDENCE_SAMPLES = _Samples()


@dataclass(frozen=True)
class Computed:
    """One source's answer, when it was computed and how long that took."""

    value: Any
    computed_at: datetime
    seconds: float
    cached: bool = False


class SlowResults:
    """Remembers the results that took `slow` seconds or more, each for `max_age`
    seconds; fast ones are computed again every time (they are cheap, and fresh)."""

    def __init__(
        self,
        slow: float = SLOW_SECONDS,
        max_age: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.slow, self.max_age, self.clock = slow, max_age, clock
        self._kept: dict[str, tuple[float, Computed]] = {}

    async def get(
        self, name: str, compute: Callable[[], Awaitable[Any]], refresh: bool = False
    ) -> Computed:
        kept = self._kept.get(name)
        if kept is not None and not refresh and self.clock() - kept[0] < self.max_age:
            return Computed(kept[1].value, kept[1].computed_at, kept[1].seconds, cached=True)
        computed_at, started = utcnow(), self.clock()
        value = await compute()
        finished = self.clock()
        result = Computed(value, computed_at, finished - started)
        if result.seconds >= self.slow:
            self._kept[name] = (finished, result)
        else:
            self._kept.pop(name, None)
        return result

    def clear(self) -> None:
        self._kept.clear()


SLOW_RESULTS = SlowResults()


def record_trace_latency(context: ExecutionContext, milliseconds: float) -> None:
    """Keeps the time of an operation whose root selects `unit` (the single serial
    trace); the graph's operation extension calls it as each operation ends."""
    name = context.operation_name or ""
    if name.startswith("Evidence"):  # an evidence package's own queries
        return
    document = context.graphql_document
    if document is None or context.result is None or context.result.errors:
        return
    for definition in document.definitions:
        selection_set = getattr(definition, "selection_set", None)
        operation = getattr(definition, "operation", None)
        if selection_set is None or getattr(operation, "value", "") != "query":
            continue
        if any(
            getattr(s, "name", None) and s.name.value == "unit" for s in selection_set.selections
        ):
            TRACE_SAMPLES.add(milliseconds)
            return


# --- plain rules (no I/O) ----------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def held_at_shipping(shipped: Iterable[str], windows: Iterable[str]) -> list[str]:
    """Units shipped while a hold covering them was in force.

    `shipped`: "SKU:serial|shipped_at"; `windows`: "SKU:serial|placed_at|released_at"
    (released_at empty while the hold is active); times in ISO 8601."""
    by_unit: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for window in windows:
        unit, placed, released = window.rsplit("|", 2)
        by_unit.setdefault(unit, []).append(
            (datetime.fromisoformat(placed), datetime.fromisoformat(released) if released else None)
        )
    offenders = []
    for entry in shipped:
        unit, at_text = entry.rsplit("|", 1)
        at = datetime.fromisoformat(at_text)
        if any(
            placed <= at and (released is None or at < released)
            for placed, released in by_unit.get(unit, ())
        ):
            offenders.append(unit)
    return sorted(set(offenders))


def completeness(population: int, *offender_sets: Iterable[str]) -> float:
    """Share of the population not in any of the offender sets."""
    if population <= 0:
        return 1.0
    incomplete = set().union(*map(set, offender_sets))
    return max(0.0, (population - len(incomplete)) / population)


def change_traceability(ledgers: Iterable[tuple[bool, int, int]]) -> float:
    """From (chain and checkpoints ok, entries, last signed seq) per ledger: the share of
    entries in a verified chain up to a signed checkpoint (a broken ledger counts 0)."""
    total, signed = 0, 0
    for ok, entries, signed_seq in ledgers:
        total += entries
        signed += min(entries, signed_seq) if ok else 0
    return 1.0 if total == 0 else signed / total


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


# --- the graph ---------------------------------------------------------------------------


@strawberry.type
class ConsistencyCheck:
    name: str
    ok: bool
    offender_count: int
    all_offenders: strawberry.Private[list[str]]
    computed_at: datetime = strawberry.field(
        description="When the oldest fact this check rests on was computed."
    )
    compute_ms: float = strawberry.field(
        description="How long computing those facts took, when they were computed."
    )
    cached: bool = strawberry.field(
        description="Served from the gateway's cache: its facts took a second or more, "
        "and are recomputed every few minutes or on `governance(refresh: true)`."
    )

    @strawberry.field(description="The first offenders' keys (e.g. SKU:serial).")
    def offenders(self, first: int | None = 20) -> list[str]:
        return self.all_offenders[: max(0, min(20 if first is None else first, 1000))]


@strawberry.type
class RecallHandling:
    recall_id: strawberry.ID
    scope_ms: int
    created_at: datetime
    resolved_at: datetime | None
    handling_hours: float | None


@strawberry.type(description="The data-governance indicators, computed when asked.")
class Governance:
    completeness: float = strawberry.field(
        description="Share of units with every required attribute, BOM line installed "
        "and route operation recorded."
    )
    consistency: list[ConsistencyCheck]
    trace_p50_ms: float | None = strawberry.field(description="p50 of `unit`, last hour.")
    trace_p95_ms: float | None = strawberry.field(description="p95 of `unit`, last hour.")
    recall_scope_ms_mean: float | None
    recall_handling_hours_mean: float | None = strawberry.field(
        description="createRecall to every item resolved, mean over resolved recalls."
    )
    recalls: list[RecallHandling]
    change_traceability: float = strawberry.field(
        description="Share of state changes (ledger entries) in a chain verified up to a "
        "signed checkpoint."
    )
    audit_preparation_ms_last: float | None
    audit_preparation_ms_mean: float | None
    units: int = strawberry.field(description="Units the completeness share is over.")
    computed_at: datetime = strawberry.field(
        description="When the oldest fact these indicators rest on was computed."
    )


def _fact(reply: core_pb2.GetGovernanceFactsResponse, name: str) -> core_pb2.FactSet:
    for fact in reply.facts:
        if fact.name == name:
            return fact
    return core_pb2.FactSet(name=name)


def missing_in_masterdata(refs: Iterable[str], known: Iterable[str]) -> list[str]:
    """The referenced units masterdata does not know: a set difference against the keys
    its facts list, instead of thousands of unit lookups (at 10,000 units those took
    9 s, and ran again on every request)."""
    return sorted(set(refs) - set(known))


def _check(name: str, fact: core_pb2.FactSet | list[str], *sources: Computed) -> ConsistencyCheck:
    offenders = fact if isinstance(fact, list) else list(fact.offenders)
    count = len(fact) if isinstance(fact, list) else fact.offender_count
    return ConsistencyCheck(
        name=name,
        ok=count == 0,
        offender_count=count,
        all_offenders=offenders,
        computed_at=min(s.computed_at for s in sources),
        compute_ms=sum(s.seconds for s in sources) * 1000,
        cached=any(s.cached for s in sources),
    )


async def compute(context: GatewayContext, refresh: bool = False) -> Governance:
    """The indicators; `refresh` recomputes the sources the cache would have served."""

    def facts_of(service: str) -> Awaitable[Computed]:
        return SLOW_RESULTS.get(
            f"facts:{service}", lambda: context.calls.read_governance(service), refresh
        )

    def verified_of(service: str) -> Awaitable[Computed]:
        return SLOW_RESULTS.get(
            f"ledger:{service}", lambda: context.calls.verify_whole_ledger(service), refresh
        )

    sources = await asyncio.gather(
        *(facts_of(s) for s in SERVICES), *(verified_of(s) for s in SERVICES)
    )
    facts: Mapping[str, Computed] = dict(zip(SERVICES, sources[: len(SERVICES)], strict=True))
    verified = [v.value for v in sources[len(SERVICES) :]]
    masterdata, production = facts["masterdata"].value, facts["production"].value
    warehouse, quality = facts["warehouse"].value, facts["quality"].value

    attributes = _fact(masterdata, "units_missing_required_attributes")
    share = completeness(
        attributes.population,
        attributes.offenders,
        _fact(production, "units_bom_not_installed").offenders,
        _fact(production, "units_route_not_recorded").offenders,
    )
    referring = [facts[s] for s in ("production", "warehouse", "quality")]
    refs = [k for source in referring for k in _fact(source.value, "unit_refs").offenders]
    missing = missing_in_masterdata(refs, _fact(masterdata, "unit_keys").offenders)
    consistency = [
        _check(UNITS_EXIST, missing, facts["masterdata"], *referring),
        _check(LOT_BALANCE, _fact(warehouse, "lot_balance_mismatch"), facts["warehouse"]),
        _check(
            COMPLETE_BOM, _fact(production, "complete_units_bom_unsatisfied"), facts["production"]
        ),
        _check(
            SHIPPED_HELD,
            held_at_shipping(
                _fact(warehouse, "shipped_units").offenders,
                _fact(quality, "hold_windows").offenders,
            ),
            facts["warehouse"],
            facts["quality"],
        ),
    ]
    recalls = []
    for timing in quality.recalls:
        created = from_timestamp(timing.created_at)
        resolved = from_timestamp(timing.resolved_at)
        hours = (resolved - created).total_seconds() / 3600 if created and resolved else None
        recalls.append(
            RecallHandling(
                recall_id=strawberry.ID(timing.recall_id),
                scope_ms=timing.scope_ms,
                created_at=created or datetime.min,
                resolved_at=resolved,
                handling_hours=hours,
            )
        )
    traces = TRACE_SAMPLES.recent(TRACE_WINDOW_SECONDS)
    evidence_ms = EVIDENCE_SAMPLES.recent(float("inf"))
    result = Governance(
        completeness=share,
        consistency=consistency,
        trace_p50_ms=percentile(traces, 50),
        trace_p95_ms=percentile(traces, 95),
        recall_scope_ms_mean=mean([float(r.scope_ms) for r in recalls]),
        recall_handling_hours_mean=mean(
            [r.handling_hours for r in recalls if r.handling_hours is not None]
        ),
        recalls=recalls,
        change_traceability=change_traceability(
            (v.ok, v.entries, v.last_checkpoint_seq) for v in verified
        ),
        audit_preparation_ms_last=evidence_ms[-1] if evidence_ms else None,
        audit_preparation_ms_mean=mean(evidence_ms),
        units=attributes.population,
        computed_at=min(s.computed_at for s in sources),
    )
    publish(result)
    return result


def publish(result: Governance) -> None:
    """Sets the Prometheus gauges from one computation (unknown values become NaN)."""
    nan = float("nan")
    COMPLETENESS.set(result.completeness)
    for check in result.consistency:
        CONSISTENCY_OFFENDERS.labels(check.name).set(check.offender_count)
    TRACE_P50.set(result.trace_p50_ms if result.trace_p50_ms is not None else nan)
    TRACE_P95.set(result.trace_p95_ms if result.trace_p95_ms is not None else nan)
    RECALL_SCOPE.set(
        result.recall_scope_ms_mean if result.recall_scope_ms_mean is not None else nan
    )
    RECALL_HANDLING.set(
        result.recall_handling_hours_mean if result.recall_handling_hours_mean is not None else nan
    )
    CHANGE_TRACEABILITY.set(result.change_traceability)
    AUDIT_PREPARATION.set(
        result.audit_preparation_ms_last if result.audit_preparation_ms_last is not None else nan
    )


# The actor the background refresh names in the services' logs.
REFRESH_ACTOR = "serialtrace-governance"


async def refresh_forever(settings: GatewaySettings, backends: Backends) -> None:
    """Recomputes the indicators every `settings.governance_interval` seconds, so the
    Prometheus gauges (and the Grafana dashboard) stay current without a caller."""
    log = logging.getLogger(__name__)
    while True:
        await asyncio.sleep(settings.governance_interval)
        token = issue_token(settings.common.jwt_secret, REFRESH_ACTOR, [Role.AUDITOR.value], 600)
        calls = Calls(backends, token)
        principal = verify_token(settings.common.jwt_secret, token)
        context = GatewayContext(settings, calls, principal, None, Loaders(calls))
        try:
            await compute(context, refresh=True)
        except Exception:  # the next round tries again; the gateway keeps serving
            log.warning("computing the governance indicators failed", exc_info=True)
