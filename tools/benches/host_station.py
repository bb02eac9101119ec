"""Host bench (issue 11): the OCPP-J station (`micropython -m nts station`) against the
test CSMS (host_tests/cpython/csms.py, `ocpp` package) and two loopback reference NTS
servers. Medians of RUNS runs where it says so.

  boot_to_sync.cold / .warm   wall time from starting the station process (configured
                              state folder: config.json + root CA) to its first
                              authenticated sync, ms: cold with key exchanges, warm with
                              the sessions persisted by the run before (no key exchange)
  call_rtt.idle.median/.max   CALL round trip seen by the CSMS (GetConfiguration), ms
  call_rtt.ke_dead.*          the same while a key exchange to a black-holed server hangs
  call_rtt.ke_live.*          the same while the station's first key exchanges with the
                              two live servers run (X25519, ECDSA chain checks on the loop)
  heap.running.used           heap the running station holds after a round (gc.mem_alloc
                              after a collection; unix port: code and data), bytes
  heap.min.src / .mpy         smallest -X heapsize (4 KB steps) in which a fresh station
                              is configured by the CSMS and syncs (NTS_VIPER=0), bytes
  heap.data_peak.frozen       the same flow with every module loaded first (as frozen on
                              a board: code in flash) and the heap then filled down to N
                              free bytes: the smallest N (4 KB steps), the data a board needs
  mpy.transport               .mpy bytes of the OCPP-J transport and station modules
"""
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import json

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools")):
    if p not in sys.path:
        sys.path.insert(0, p)

import build_mpy  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.cpython.csms import CSMS  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

RUNS = 3
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
TRANSPORT = ("nts/ocpp/wscodec.py", "nts/ocpp/wslink.py", "nts/ocpp/ocppj.py",
             "nts/ocpp/session.py", "nts/ocpp/chargepoint.py", "nts/ocpp/sha1.py",
             "nts/cli_station.py")


def bench(item, value, unit, section="station"):
    print("BENCH %s %s %s %s" % (section, item, value, unit), flush=True)


PRELOAD = r"""
import sys, gc
sys.path.insert(0, "")
for m in %(mods)r:
    __import__(m)
gc.collect()
ballast = []
while %(free)d and gc.mem_free() > %(free)d + 1024:
    ballast.append(bytearray(1024))
gc.collect()
import nts.cli_station
rc = nts.cli_station.main(%(args)r)
print("MODS", " ".join(sorted(sys.modules)))
"""


class Proc:
    """free: run as if frozen (every module the station imports loaded first, then the
    heap filled down to `free` bytes); mods: those modules (learned by a first run)."""

    def __init__(self, csms, state, heap=None, firmware=FIRMWARE, env=None, ident="B1",
                 free=None, mods=()):
        args = ["--csms", csms.url, "--id", ident, "--state", state, "--clock-offset", "3600",
                "--json"]
        if free is None:
            cmd = [MICROPYTHON] + (["-X", "heapsize=%d" % heap] if heap else []) + [
                "-m", "nts", "station"] + args
        else:
            script = os.path.join(state + ".preload.py")
            with open(script, "w") as f:
                f.write(PRELOAD % {"mods": list(mods), "free": free, "args": args})
            cmd = [MICROPYTHON, "-X", "heapsize=4000000", script]
        self.mods = []
        self.t0 = time.monotonic()
        self.events = []
        self.proc = subprocess.Popen(cmd, cwd=firmware, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     env=dict(os.environ, **(env or {})))
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            if line.startswith("MODS "):
                self.mods = line.split()[1:]
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            e["_t"] = time.monotonic() - self.t0
            self.events.append(e)

    def wait(self, kind, pred=None, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for e in list(self.events):
                if e.get("event") == kind and (pred is None or pred(e)):
                    return e
            if self.proc.poll() is not None:
                return None
            time.sleep(0.01)
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def configure(csms, ident, chain, servers, hole=None):
    with open(chain.root_pem_path) as f:
        pem = f.read()
    csms.call(ident, "InstallCertificate", {"certificateType": "NetworkTimeRootCertificate",
                                            "certificate": pem},
              ext=("InstallCertificate16Ext", None))
    for k, v in (("ntp.legal.servers", ",".join("127.0.0.1" for _ in servers)),
                 ("ntske.legal.ports", ",".join(str(s.ke_port) for s in servers)),
                 ("ntp.legal.minServers", "2"), ("ntp.legal.preflight", "0")):
        csms.call(ident, "ChangeConfiguration", {"key": k, "value": v})
    if hole is not None:
        csms.call(ident, "ChangeConfiguration", {"key": "ntp.local.servers", "value": "127.0.0.1"})
        csms.call(ident, "ChangeConfiguration", {"key": "ntske.local.ports", "value": str(hole)})


def rtts(csms, ident, seconds=None, count=None, until=None, gap=0.0):
    out = []
    end = time.monotonic() + (seconds or 1e9)
    while time.monotonic() < end and (count is None or len(out) < count):
        if until is not None and until():
            break
        dt, _ = csms.timed_call(ident, "GetConfiguration", {"key": ["ntp.legal.servers"]})
        out.append(dt * 1000)
        time.sleep(gap)
    return out


def report_rtt(name, xs):
    if xs:
        bench("call_rtt.%s.median" % name, "%.1f" % statistics.median(xs), "ms")
        bench("call_rtt.%s.max" % name, "%.1f" % max(xs), "ms")
        bench("call_rtt.%s.n" % name, len(xs), "calls")


def fresh_flow_ok(chain, servers, heap, firmware, env, free=None, mods=()):
    """A fresh station in `heap` bytes (or `free` bytes after preloading `mods`):
    configured by the CSMS, then one good sync. Returns the modules it imported (with
    `free`) or True, or None when it failed."""
    csms = CSMS("1.6").start()
    state = tempfile.mkdtemp(prefix="bench-station-")
    p = Proc(csms, state, heap, firmware, env, free=free, mods=mods)
    ok = False
    try:
        csms.wait_connected("B1", 20)
        configure(csms, "B1", chain, servers)
        ok = p.wait("sync", lambda e: e["ok"], timeout=40) is not None
    except Exception:
        pass
    finally:
        p.stop()
        csms.stop()
        time.sleep(0.2)
        shutil.rmtree(state, ignore_errors=True)
    if not ok:
        return None
    return p.mods or True


def min_heap(chain, servers, firmware, env, lo, hi, step=4096, mods=None):
    """Bisect -X heapsize (mods None) or the free heap after preloading `mods`."""
    def ok(n):
        if mods is None:
            return fresh_flow_ok(chain, servers, n, firmware, env)
        return fresh_flow_ok(chain, servers, None, firmware, env, free=n, mods=mods)
    if not ok(hi):
        return None
    while hi - lo > step:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def main():
    tmp = tempfile.mkdtemp(prefix="bench-station-")
    chain = make_chain(tmp, kind="ecdsa", intermediates=1, leaves=2)  # one each: see nts.sources
    servers = [ReferenceServer(*chain.leaves[i], lifetime=900, aeads=(15,)).start()
               for i in range(2)]
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    try:
        # Configure once; keep a copy of the configured state without sessions.
        csms = CSMS("1.6").start()
        state = os.path.join(tmp, "state")
        p = Proc(csms, state)
        csms.wait_connected("B1", 20)
        report_rtt("idle", rtts(csms, "B1", count=50))
        configure(csms, "B1", chain, servers)
        ke_live = rtts(csms, "B1", seconds=30, gap=0.02,
                       until=lambda: any(e.get("event") == "sync" for e in p.events))
        report_rtt("ke_live", ke_live)
        sync = p.wait("sync", lambda e: e["ok"], timeout=30)
        if sync and "heap_used" in sync:
            bench("heap.running.used", sync["heap_used"], "B")
        p.stop()
        configured = os.path.join(tmp, "configured")
        shutil.copytree(state, configured)
        for f in os.listdir(configured):
            if f.startswith("nts_state"):
                os.remove(os.path.join(configured, f))
        cold, warm = [], []
        for _ in range(RUNS):
            run_state = os.path.join(tmp, "run")
            shutil.rmtree(run_state, ignore_errors=True)
            shutil.copytree(configured, run_state)
            for bucket in (cold, warm):
                p = Proc(csms, run_state)
                e = p.wait("sync", lambda e: e["ok"], timeout=60)
                if e is not None:
                    bucket.append(e["_t"] * 1000)
                p.stop()
        if cold:
            bench("boot_to_sync.cold", "%.0f" % statistics.median(cold), "ms")
        if warm:
            bench("boot_to_sync.warm", "%.0f" % statistics.median(warm), "ms")
        # During a key exchange that hangs on a black-holed server (5 s timeout).
        run_state = os.path.join(tmp, "hole")
        shutil.copytree(configured, run_state)
        p = Proc(csms, run_state)
        csms.wait_connected("B1", 20)
        p.wait("sync", timeout=30)
        configure(csms, "B1", chain, servers, hole.getsockname()[1])
        r, _, _ = select.select([hole], [], [], 30)
        if r:
            conn = hole.accept()[0]
            report_rtt("ke_dead", rtts(csms, "B1", seconds=3.5, gap=0.02))
            conn.close()
        p.stop()
        csms.stop()
        # Smallest heap for the whole fresh flow, as sources and as an .mpy bundle.
        lo = 200 * 1024
        n = min_heap(chain, servers, FIRMWARE, {"NTS_VIPER": "0"}, lo, 2048 * 1024)
        if n:
            bench("heap.min.src", n, "B")
        # As a board that freezes mpnts: code loaded first, then the live data peak.
        mods = fresh_flow_ok(chain, servers, None, FIRMWARE, {"NTS_VIPER": "0"}, free=0)
        if isinstance(mods, list):
            n = min_heap(chain, servers, FIRMWARE, {"NTS_VIPER": "0"}, 16 * 1024, 400 * 1024,
                         mods=mods)
            if n:
                bench("heap.data_peak.frozen", n, "B")
        out = os.path.join(ROOT, "build", "mpy-station")
        build_mpy.compile_all(out, arch="x64")
        n = min_heap(chain, servers, out, {"NTS_VIPER": "0"}, lo // 2, 1024 * 1024)
        if n:
            bench("heap.min.mpy", n, "B")
        sizes = dict(build_mpy.compile_all(os.path.join(ROOT, "build", "mpy")))
        total = 0
        for rel in TRANSPORT:
            n = sizes.get(rel)
            if n:
                total += n
                bench("mpy.%s" % rel[:-3].replace("/", "."), n, "B")
        bench("mpy.transport", total, "B")
    finally:
        for s in servers:
            s.stop()
        hole.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
