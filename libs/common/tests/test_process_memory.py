from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

from serialtrace.common.process_memory import OPERATOR_SETTING, give_big_buffers_back

# In a process of its own: what mallopt fixes lasts for the rest of the process. Freeing
# a 16 MB block raises glibc's own threshold to 16 MB; a 2 MB block is then taken from
# the heap, unless the threshold is fixed, when it is mapped on its own (hblkhd counts).
SCRIPT = """
import ctypes, sys
from serialtrace.common.process_memory import give_big_buffers_back

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert give_big_buffers_back()
big = bytearray(16 * 1024 * 1024)
del big
before = mallinfo2().hblkhd
block = bytearray(2 * 1024 * 1024)
print(mallinfo2().hblkhd - before >= 2 * 1024 * 1024)
"""


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).mallinfo2  # noqa: B018 - glibc 2.33 and later
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.skipif(not _glibc(), reason="glibc's malloc only")
@pytest.mark.parametrize(("how", "mapped"), [("default", "False"), ("fixed", "True")])
def test_a_fixed_threshold_maps_a_big_block_after_a_bigger_one_was_freed(
    how: str, mapped: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT, how], capture_output=True, text=True, check=True, env=env
    )
    assert ran.stdout.strip() == mapped


def test_an_operators_own_setting_is_left_as_glibc_applied_it() -> None:
    assert give_big_buffers_back(env={OPERATOR_SETTING: "65536"}) is False
