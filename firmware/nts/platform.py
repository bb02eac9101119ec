# Runtime differences between MicroPython and CPython, detected once, here.
import sys

MICROPYTHON = sys.implementation.name == "micropython"

try:
    from os import urandom
except ImportError:  # pragma: no cover - every supported port has it
    urandom = None

if urandom is None:
    raise ImportError("os.urandom is required: no secure randomness on this port")


def random_bytes(n):
    return urandom(n)


def viper_enabled():
    """Whether viper kernels may be used instead of their plain twins.

    Viper integers are machine words, so a kernel proven on the 64-bit unix port is not
    yet proven on a 32-bit board: kernels are on by default only on 64-bit MicroPython,
    where the tests check them. `NTS_VIPER=0/1` (unix port environment) overrides, so
    the tests exercise both paths; a board turns them on in its settings (VIPER in
    boards/<BOARD>/mpnts_board.py) once checked there.
    """
    if not MICROPYTHON:
        return False
    try:
        import os
        flag = os.getenv("NTS_VIPER")
    except (ImportError, AttributeError):
        flag = None
    if flag is not None:
        return flag == "1"
    from nts.board import setting
    return setting("VIPER", sys.maxsize > 0x7FFFFFFF)


# Monotonic ticks for timeouts and timing (time.ticks_* on MicroPython; they wrap there,
# so always subtract with ticks_diff and add with ticks_add).
try:
    from time import ticks_add, ticks_diff, ticks_ms, ticks_us
except ImportError:
    import time as _time

    def ticks_ms():
        return int(_time.monotonic() * 1000)

    def ticks_us():
        return int(_time.perf_counter() * 1000000)

    def ticks_diff(a, b):
        return a - b

    def ticks_add(a, b):
        return a + b
