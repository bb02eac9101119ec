"""Host bench: mpnts's TLS 1.3 client for NTS-KE on loopback (needs the reference server).

Against the pyOpenSSL reference server, with a Let's-Encrypt-shaped chain (RSA-3072 leaf,
RSA-2048 intermediate, RSA-4096 root: the PTB servers' shape) and an ECDSA P-256 chain:

  nts_ke.<chain>.micropython   NTS-KE wall time (TCP connect until End of Message) with our
                               TLS under micropython, median of RUNS (ms)
  nts_ke.<chain>.pyopenssl     the same with the pyOpenSSL client in the same run (ms)
  nts_ke.<chain>.ratio         micropython / pyopenssl
  critical_path.<chain>        client compute from the ServerHello until our Finished and
                               request are sealed, under micropython (us); network waits
                               are excluded
  deferred_auth.<chain>        chain + CertificateVerify check, run after the request is
                               sent (us)
  heap.<chain>.handshake_live  live heap (after gc) above the post-import baseline, the
                               largest of the session's steps (B)
  heap.min_nts_ke_mpy          smallest -X heapsize with which `nts ke` (firmware as .mpy)
                               completes against the LE-shaped chain (B)
  mpy.nts_tls                  .mpy size of the nts/tls package (mpy-cross -O3) (B)

Host figures (64-bit unix port): an ESP32 at 240 MHz is far slower; see tools/bench.py.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "firmware"), os.path.join(ROOT, "tools", "benches"),
          os.path.join(ROOT, "tools")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
import build_mpy  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference import pyopenssl_client as pc  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
RUNS = 9
CHAINS = (("le", dict(kind="le")), ("ecdsa", dict(kind="ecdsa")))


def probe(mode, port, ca, heap=None):
    cmd = [MICROPYTHON, "tools/benches/tls_probe.py", mode, "127.0.0.1", str(port), ca,
           "localhost"]
    if heap:
        cmd[1:1] = ["-X", "heapsize=%d" % heap]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if p.returncode:
        raise RuntimeError("tls_probe failed: %s" % p.stderr[-600:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def cli_ok(port, ca, heap, mpy_dir):
    cmd = [MICROPYTHON, "-X", "heapsize=%d" % heap, "-m", "nts", "ke", "--server",
           "127.0.0.1:%d" % port, "--ca", ca, "--name", "localhost", "--json"]
    p = subprocess.run(cmd, cwd=mpy_dir, capture_output=True, text=True, timeout=120)
    return p.returncode == 0


def min_heap(port, ca):
    mpy_dir = os.path.join(ROOT, "build", "mpy-bench-tls")
    build_mpy.compile_all(mpy_dir, arch="x64")
    lo, hi = 20000, 400000
    if not cli_ok(port, ca, hi, mpy_dir):
        return None
    while hi - lo > 4000:
        mid = (lo + hi) // 2
        if cli_ok(port, ca, mid, mpy_dir):
            hi = mid
        else:
            lo = mid
    return hi


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in CHAINS:
            os.makedirs(os.path.join(tmp, name))
            chain = make_chain(os.path.join(tmp, name), **kw)
            srv = ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=300)
            srv.start()
            try:
                ours = [probe("time", srv.ke_port, chain.root_pem_path) for _ in range(RUNS)]
                theirs = [pc.key_exchange("127.0.0.1", srv.ke_port, chain.root_pem_path,
                                          "localhost").times["total"] * 1e3
                          for _ in range(RUNS)]
                mp = statistics.median(o["ke_ms"] for o in ours)
                ref = statistics.median(theirs)
                benchlib.emit("tls", "nts_ke.%s.micropython" % name, float(mp), "ms")
                benchlib.emit("tls", "nts_ke.%s.pyopenssl" % name, ref, "ms")
                benchlib.emit("tls", "nts_ke.%s.ratio" % name, mp / ref, "x")
                benchlib.emit("tls", "critical_path.%s" % name,
                              statistics.median(o["critical_us"] for o in ours), "us")
                benchlib.emit("tls", "deferred_auth.%s" % name,
                              statistics.median(o["auth_us"] for o in ours), "us")
                heap = probe("heap", srv.ke_port, chain.root_pem_path)
                benchlib.emit("tls", "heap.%s.handshake_live" % name, heap["peak_step"], "B")
                if name == "le":
                    n = min_heap(srv.ke_port, chain.root_pem_path)
                    if n is not None:
                        benchlib.emit("tls", "heap.min_nts_ke_mpy", n, "B")
            finally:
                srv.stop()
    out = os.path.join(ROOT, "build", "mpy-bench-tls-pkg")
    sizes = build_mpy.compile_all(out, subdir="nts/tls")
    benchlib.emit("tls", "mpy.nts_tls", sum(n for _, n in sizes), "B")


if __name__ == "__main__":
    main()
