# Portable benchmark helpers (CPython and MicroPython). A bench script prints lines
#   BENCH <section> <item> <value> <unit>
# that tools/bench.py collects into one table per interpreter. Run from the repo root.
import gc
import sys
import time

if "firmware" not in sys.path:
    sys.path.insert(0, "firmware")

MICROPYTHON = sys.implementation.name == "micropython"

if MICROPYTHON:
    def _now_us():
        return time.ticks_us()

    def _elapsed_us(t0):
        return time.ticks_diff(time.ticks_us(), t0)
else:
    def _now_us():
        return time.perf_counter_ns() // 1000

    def _elapsed_us(t0):
        return time.perf_counter_ns() // 1000 - t0


def us_per_op(fn, min_us=200000, max_n=100000):
    """Mean microseconds per call of fn(), repeating until min_us has passed."""
    fn()  # warm up caches and lazy tables
    n = 0
    t0 = _now_us()
    while True:
        fn()
        n += 1
        e = _elapsed_us(t0)
        if e >= min_us or n >= max_n:
            return e / n


def live_heap():
    """Bytes in use after a collection (not a peak: mem_peak never goes down)."""
    gc.collect()
    if MICROPYTHON:
        return gc.mem_alloc()
    return 0


def emit(section, item, value, unit):
    if isinstance(value, float):
        value = "%.1f" % value if value >= 10 else "%.3f" % value
    print("BENCH %s %s %s %s" % (section, item, value, unit))
