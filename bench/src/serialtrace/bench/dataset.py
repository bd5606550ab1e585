"""The benchmark's dataset: the synthetic factory of bench/README.md, built through the services by
the generator (serialtrace.bench.factory) when absent or incomplete, reused otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from serialtrace.bench.databases import Pool
from serialtrace.bench.factory import (
    FACTORY,
    FactoryPlan,
    FactoryReport,
    Shape,
    build_factory,
    factory_exists,
    plan_factory,
)
from serialtrace.epcis.implied import FOLLOWED
from serialtrace.testing import ADMIN

PREFIX = "BENCH"
EPCIS_CATCH_UP_SECONDS = 3600.0  # a 100,000-unit factory's ledgers hold millions of entries

State = Literal["absent", "incomplete", "complete"]


@dataclass(frozen=True)
class Dataset:
    plan: FactoryPlan
    state_found: State  # before this run
    generated: FactoryReport | None  # built (or finished) in this run


def factory_state(addrs: Mapping[str, str], pool: Pool, plan: FactoryPlan) -> State:
    """absent (no finished product yet), complete (every finished unit COMPLETE and the
    planned ones shipped: shipping is the build's last phase), or incomplete."""
    if not factory_exists(addrs, ADMIN, plan.prefix):
        return "absent"
    with pool.use("production") as production:
        completed = production.execute(
            "SELECT count(*) FROM units WHERE sku = %s AND status = 'COMPLETE'",
            (plan.finished_sku,),
        ).fetchone()
    with pool.use("warehouse") as warehouse:
        shipped = warehouse.execute(
            "SELECT count(*) FROM unit_stock WHERE sku = %s AND custody = 'SHIPPED'",
            (plan.finished_sku,),
        ).fetchone()
    planned_shipped = sum(plan.shipped(n) for n in range(plan.units))
    if completed and shipped and (completed[0], shipped[0]) == (plan.units, planned_shipped):
        return "complete"
    return "incomplete"


def ensure(
    addrs: Mapping[str, str],
    pool: Pool,
    units: int,
    seed: int,
    workers: int,
    log: Callable[[str], None],
    shape: Shape = FACTORY,
) -> Dataset:
    """The factory of `units` units and `seed`, generated (or resumed) if not complete."""
    plan = plan_factory(units, seed, PREFIX, shape)
    state = factory_state(addrs, pool, plan)
    if state == "complete":
        log(f"dataset: reusing the {shape.name} of {units:,} units (seed {seed})")
        epcis_caught_up(pool, log)
        refresh_statistics(pool, log)
        return Dataset(plan, state, None)
    log(
        f"dataset: {'generating' if state == 'absent' else 'resuming'} the {shape.name} of "
        f"{units:,} units (seed {seed})"
    )
    report = build_factory(
        addrs,
        ADMIN,
        units,
        seed=seed,
        prefix=PREFIX,
        workers=workers,
        log=log,
        before_stock_moves=lambda: refresh_statistics(pool, log),
        shape=shape,
    )
    if factory_state(addrs, pool, plan) != "complete":
        raise RuntimeError("the generator finished but the factory is not complete")
    epcis_caught_up(pool, log)
    refresh_statistics(pool, log)
    return Dataset(plan, state, report)


def epcis_caught_up(
    pool: Pool, log: Callable[[str], None], timeout: float = EPCIS_CATCH_UP_SECONDS
) -> None:
    """Waits until the EPCIS repository's follower has turned every owner's ledger entry
    into events, as it has in a suite that has run a while. Measured before, the
    follower's first pass over a whole factory's ledgers would share the cores with every
    figure. The repository keeps its database, so this is paid once per dataset."""
    if "epcis" not in pool.services:  # no repository database of the bench's own
        return
    started = last_said = time.monotonic()
    while True:
        behind = epcis_entries_behind(pool)
        if behind == 0:
            log(f"dataset: EPCIS repository caught up in {time.monotonic() - started:.1f}s")
            return
        if time.monotonic() - started > timeout:
            raise RuntimeError(
                f"the EPCIS repository is still {behind:,} ledger entries behind after "
                f"{timeout:.0f}s: see the epcis log"
            )
        if time.monotonic() - last_said >= 15:
            log(f"dataset: EPCIS repository catching up, {behind:,} ledger entries to go")
            last_said = time.monotonic()
        time.sleep(1)


def epcis_entries_behind(pool: Pool) -> int:
    """Ledger entries of the owners that the EPCIS follower has not passed yet."""
    with pool.use("epcis") as connection:
        cursors = dict(
            connection.execute("SELECT service, last_seq FROM epcis_ledger_cursors").fetchall()
        )
    behind = 0
    for service in FOLLOWED:
        with pool.use(service) as connection:
            row = connection.execute("SELECT coalesce(max(seq), 0) FROM audit_ledger").fetchone()
        behind += max(0, (row[0] if row else 0) - cursors.get(service, 0))
    return behind


def refresh_statistics(pool: Pool, log: Callable[[str], None]) -> None:
    """ANALYZE every database, as autovacuum would have by now. A server may run without
    autovacuum (CI machines often do): millions of rows with no statistics give the
    planner blind plans, and at 100,000 units the bulk stock moves right after building
    (the generator's put-away step of the time) timed out on them."""
    started = time.monotonic()
    for service in pool.services:
        with pool.use(service) as connection:
            connection.execute("ANALYZE")
    log(f"dataset: planner statistics refreshed in {time.monotonic() - started:.1f}s")
