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
