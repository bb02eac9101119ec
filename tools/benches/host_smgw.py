"""Host bench: mode NTPv4TLS (nts.smgw) against the SMGW stand-in (OpenSSL TLS 1.2,
ECDHE-ECDSA-AES128-GCM-SHA256, P-256, client certificate, one-intermediate chain)
through a byte-counting TCP relay. Medians of RUNS `nts sync --smgw` runs per
interpreter.

  sync_ms.<interp>        the engine round (sync_ms): TCP connect, TLS handshake, chain
                          check, one NTPv4 exchange, close
  delay_us.<interp>       the timed NTP exchange inside TLS (the sample's delay; the
                          stand-in is a Python thread, so this is mostly its latency)
  tls_bytes.up / .down    bytes of TLS (TCP payload) client->gateway / gateway->client
                          per connection: handshake, the exchange, close_notify
  extra_bytes.exchange    TLS bytes per connection minus the 96 bytes of NTP payload
                          that plain NTPv4 over UDP carries (TCP/IP headers not counted)
  record_overhead.exchange TLS bytes the 48-byte request and reply add (5-byte header,
                          8-byte explicit nonce, 16-byte GCM tag each way)
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID as EKU  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference.smgw import SMGWStandIn  # noqa: E402

RUNS = 5
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")


class CountingRelay:
    """127.0.0.1:port -> target, counting the bytes of each connection each way."""

    def __init__(self, target_port):
        self.target = target_port
        self.counts = []        # [(up, down)] per finished connection
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                a, _ = self.sock.accept()
            except OSError:
                return
            b = socket.create_connection(("127.0.0.1", self.target))
            n = [0, 0]
            ts = [threading.Thread(target=self._pipe, args=(a, b, n, 0)),
                  threading.Thread(target=self._pipe, args=(b, a, n, 1))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(10)
            a.close()
            b.close()
            self.counts.append(tuple(n))

    @staticmethod
    def _pipe(src, dst, n, i):
        try:
            while True:
                d = src.recv(4096)
                if not d:
                    break
                n[i] += len(d)
                dst.sendall(d)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.sock.close()


def main():
    d = tempfile.mkdtemp(prefix="bench-smgw-")
    gw = make_chain(d, kind="ecdsa", intermediates=1, prefix="gw", eku=[EKU.TIME_STAMPING])
    st = make_chain(d, kind="ecdsa", intermediates=0, seed="station", prefix="st",
                    eku=[EKU.CLIENT_AUTH])
    srv = SMGWStandIn(gw.chain_pem_path, gw.leaf_key_pem_path, st.root_pem_path,
                      lifetime=600).start()
    relay = CountingRelay(srv.port)
    try:
        for interp, cmd in (("micropython", [MICROPYTHON]), ("cpython", [sys.executable])):
            sync_ms, delay_us = [], []
            # Timing runs go straight to the gateway; the last one through the relay
            # (whose threads add milliseconds) only counts bytes.
            for port in [srv.port] * RUNS + [relay.port]:
                p = subprocess.run(cmd + ["-m", "nts", "sync", "--smgw",
                                          "localhost:%d" % port,
                                          "--client-cert", st.leaf_cert_pem_path,
                                          "--client-key", st.leaf_key_pem_path,
                                          "--ca", gw.root_pem_path, "--json"],
                                   cwd=FIRMWARE, env=dict(os.environ, PYTHONPATH=FIRMWARE),
                                   capture_output=True, text=True, timeout=60)
                out = json.loads(p.stdout.strip().splitlines()[-1])
                row = out["servers"][0]
                if not row["authenticated"]:
                    raise SystemExit("sync failed: %s" % row["error"])
                if port == srv.port:
                    sync_ms.append(out["sync_ms"])
                    delay_us.append(row["delay_s"] * 1e6)
            benchlib.emit("sync_ms", interp, statistics.median(sync_ms), "ms")
            benchlib.emit("delay_us", interp, int(statistics.median(delay_us)), "us")
        import time
        time.sleep(0.5)
        up = statistics.median(c[0] for c in relay.counts)
        down = statistics.median(c[1] for c in relay.counts)
        benchlib.emit("tls_bytes", "up", int(up), "B")
        benchlib.emit("tls_bytes", "down", int(down), "B")
        benchlib.emit("extra_bytes", "exchange", int(up + down - 96), "B")
        benchlib.emit("record_overhead", "exchange", 2 * (5 + 8 + 16), "B")
    finally:
        relay.close()
        srv.stop()


if __name__ == "__main__":
    main()
