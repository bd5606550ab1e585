"""Timing and load loops: sequential samples and N concurrent clients, each bounded by
a count and a time cap so every loop ends by itself."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks
    (numpy's default), so p50 of an even count is the mean of the middle two."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Latencies:
    """Milliseconds of `count` sequential calls."""

    samples: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.samples)

    def p(self, q: float) -> float:
        return percentile(self.samples, q)


def time_calls(work: Callable[[int], object], count: int, time_cap: float) -> Latencies:
    """Calls work(0), work(1), … one after another, timing each, until `count` calls or
    `time_cap` seconds have passed (at least one call is always made)."""
    if count < 1:
        raise ValueError(f"need at least one sample, got {count}")
    deadline = time.monotonic() + time_cap
    samples: list[float] = []
    for i in range(count):
        started = time.perf_counter()
        work(i)
        samples.append((time.perf_counter() - started) * 1000)
        if time.monotonic() >= deadline:
            break
    return Latencies(tuple(samples))


@dataclass(frozen=True)
class Load:
    """What `clients` concurrent clients completed in `seconds` of wall time."""

    clients: int
    done: int
    seconds: float
    capped: bool  # the time cap stopped it before `count`

    def rate(self, per_call: int = 1) -> float:
        """Completed items per second (`per_call` items in each call)."""
        return self.done * per_call / self.seconds if self.seconds > 0 else 0.0


def run_clients(
    work: Callable[[int, int], object], clients: int, count: int, time_cap: float
) -> Load:
    """`clients` threads share the calls work(client, i) for i in 0..count-1, each taking
    the next i as soon as its previous call returns; no new call starts after
    `time_cap` seconds. The first exception stops every client and is raised."""
    if clients < 1 or count < 1:
        raise ValueError(f"need at least one client and one call, got {clients} and {count}")
    lock = threading.Lock()
    state = {"next": 0, "done": 0}
    errors: list[BaseException] = []
    deadline = time.monotonic() + time_cap

    def take() -> int | None:
        with lock:
            if errors or state["next"] >= count or time.monotonic() >= deadline:
                return None
            state["next"] += 1
            return state["next"] - 1

    def client(c: int) -> None:
        while (i := take()) is not None:
            try:
                work(c, i)
            except BaseException as error:  # handed to the caller below
                with lock:
                    errors.append(error)
                return
            with lock:
                state["done"] += 1

    threads = [
        threading.Thread(target=client, args=(c,), name=f"bench-client-{c}", daemon=True)
        for c in range(min(clients, count))
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return Load(clients, state["done"], seconds, state["done"] < count)
