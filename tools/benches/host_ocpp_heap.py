"""Host bench: heap of the OCPP handlers with the firmware frozen (issue 10's board cost).

The MicroPython unix port imports every firmware module from an .mpy bundle (as frozen
code would be in flash), then leaves only N bytes of heap free (host_tests/mprun.py's
freeze_and_fill); N is bisected in 128-byte steps to the least that lets the operation
finish:

  ocpp_heap.report_bytes          FullInventory GetBaseReport of a three-server station,
                                  every NotifyReport page serialized with json.dumps
  ocpp_heap.set_burst_bytes       one SetVariables request of 30 changes
  ocpp_heap.set_burst_persist_bytes   the same, persisted (nts.atomicfile)

and the layer's flash, .mpy for the boards' default arch (build_mpy.DEFAULT_ARCH):

  ocpp_heap.mpy.handlers_bytes    nts/ocpp without the OCPP-J transport and station of
                                  issue 11 (host_station.TRANSPORT, measured there)
  ocpp_heap.mpy.handlers_modules  how many modules that is
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (os.path.join(ROOT, "tools"), os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
import build_mpy  # noqa: E402

BUNDLE = os.path.join(ROOT, "build", "mpy-bench-ocpp")
SIZES = os.path.join(ROOT, "build", "mpy-bench-ocpp-size")
PROBE = os.path.join(ROOT, "build", "ocpp_heap_probe.py")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")

_PROBE = '''
import gc, json, os, sys
sys.path.insert(0, os.getenv("NTS_FIRMWARE_PATH"))
sys.path.insert(0, "host_tests/portable")
import ocpp_support
from nts.ocpp import v201
exec(open("host_tests/mprun.py").read().split("def main(")[0])  # freeze_and_fill
op = os.getenv("OP")
ballast = freeze_and_fill(int(os.getenv("FREE")))
try:
    st, _ = ocpp_support.make_station("heapbench" if op == "set_burst_persist" else None)
    if op == "report":
        for p in v201.report(st, 1, "FullInventory", "2026-12-03T07:00:00.000Z"):
            json.dumps(p)
            p = None
    else:
        items = [ocpp_support.set_item("NTPClientController", "Priority", str(i % 4),
                                       "ptb%d" % (1 + i % 3)) for i in range(30)]
        json.dumps(v201.set_variables(st, {"setVariableData": items}))
    print("OK")
except MemoryError:
    print("MEM")
'''


def _fits(op, free):
    env = dict(os.environ, OP=op, FREE=str(free), NTS_VIPER="0", NTS_FIRMWARE_PATH=BUNDLE)
    p = subprocess.run([MICROPYTHON, "-X", "heapsize=4000000", PROBE], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    return p.stdout.strip().endswith("OK")


def least_free(op, lo=4096, hi=131072):
    if not _fits(op, hi):
        return None
    while hi - lo > 128:
        mid = (lo + hi) // 2
        if _fits(op, mid):
            hi = mid
        else:
            lo = mid
    return hi


def handler_sizes():
    """[(module, .mpy bytes)] of the handler layer (module comment)."""
    from host_station import TRANSPORT
    return [(rel, n) for rel, n in build_mpy.compile_all(SIZES, subdir="nts/ocpp")
            if rel not in TRANSPORT]


def main():
    build_mpy.compile_all(BUNDLE, arch="x64")
    with open(PROBE, "w") as f:
        f.write(_PROBE)
    for op in ("report", "set_burst", "set_burst_persist"):
        benchlib.emit("ocpp_heap", op + "_bytes", least_free(op), "B")
    sizes = handler_sizes()
    benchlib.emit("ocpp_heap", "mpy.handlers_bytes", sum(n for _, n in sizes), "B")
    benchlib.emit("ocpp_heap", "mpy.handlers_modules", len(sizes), "modules")


if __name__ == "__main__":
    main()
