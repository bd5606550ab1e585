"""glibc's malloc told to give big buffers back to the system when they are freed.

By default glibc raises its mmap threshold to the size of the largest block freed so
far (up to 32 MB), and its trim threshold to twice that: after one big buffer, every
later buffer of a few MB comes from the heap, and the heap is kept at its high-water
mark. A process that now and then builds something big (the gateway's evidence package:
tens of MB of ledger lines and their JSON) then holds that much more resident from then
on, and the next big build peaks on top of what the previous one fragmented. A fixed
threshold keeps each block of a MiB or more in its own mapping, unmapped when freed.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
MMAP_THRESHOLD_BYTES = 1024 * 1024
# glibc reads this at start (and then fixes the threshold itself): an operator's value wins.
OPERATOR_SETTING = "MALLOC_MMAP_THRESHOLD_"


def give_big_buffers_back(
    threshold: int = MMAP_THRESHOLD_BYTES, env: Mapping[str, str] = os.environ
) -> bool:
    """Fixes glibc's mmap threshold at `threshold` bytes for the rest of the process;
    False (nothing changed) where MALLOC_MMAP_THRESHOLD_ is set or malloc is not glibc's."""
    if OPERATOR_SETTING in env:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc (macOS, Windows)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    fixed = bool(mallopt(M_MMAP_THRESHOLD, threshold))  # musl's mallopt does nothing: 0
    log.debug("malloc mmap threshold fixed at %d bytes: %s", threshold, fixed)
    return fixed


__all__ = ["MMAP_THRESHOLD_BYTES", "OPERATOR_SETTING", "give_big_buffers_back"]
