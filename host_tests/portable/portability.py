# What some ports lack, detected by the tests that need it (kept out of support.py, which
# every test module loads: the 100 KB bundle heap has no bytes to spare for it).
import sys

from support import SkipTest


def require_viper():
    """SkipTest unless this interpreter compiles viper code (CPython and MicroPython's
    WebAssembly port do not)."""
    if sys.implementation.name != "micropython":
        raise SkipTest("viper runs only on MicroPython")
    try:
        exec("@micropython.viper\ndef _probe():\n    pass\n", {"micropython": __import__("micropython")})
    except SyntaxError:
        raise SkipTest("this port has no viper")


def run_loop(coro):
    """asyncio.run(coro), or SkipTest where the port has no blocking event loop (the
    WebAssembly port's asyncio runs on the JavaScript event loop)."""
    import asyncio
    if not hasattr(asyncio, "run"):
        coro.close()
        raise SkipTest("no blocking asyncio.run on this port")
    return asyncio.run(coro)


def skip_in_bundle_heap(need_kb):
    """SkipTest where the firmware's code shares a small heap (an .mpy bundle in 100 KB)
    and the test needs `need_kb` there (measured by bisecting -X heapsize); the
    frozen-firmware run (code in flash, 100 KB free) runs it."""
    import gc
    if hasattr(gc, "mem_free") and gc.mem_alloc() + gc.mem_free() < need_kb * 1024:
        raise SkipTest("needs ~%d KB of heap as an .mpy bundle; runs frozen" % need_kb)
