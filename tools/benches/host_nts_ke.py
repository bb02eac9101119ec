"""Host bench: NTS-KE and NTS NTP exchange wall time on loopback with the pyOpenSSL
transport under the firmware's sans-IO core, against our reference server, chrony and (if
unpacked and ports 4460/123 are free) NTPsec. Medians of N runs, in milliseconds.

ntp_exchange.wall is one whole exchange (build the request with the firmware's AEAD, send,
receive, verify); delay is the round trip less the server's time (RFC 5905 8). nts_ke.total
is TCP connect + TLS 1.3 handshake + request + response up to End of Message + key export.
"""
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "firmware"), os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference import pyopenssl_client as pc  # noqa: E402
from host_tests.reference.chrony import Chrony, find_chronyd  # noqa: E402
from host_tests.reference.daemon import DaemonError  # noqa: E402
from host_tests.reference.ntpsec import NTPsec, find_ntpd  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402
from nts.association import NTSAssociation  # noqa: E402

RUNS = 20


def median_ms(values):
    return statistics.median(values) * 1e3


def bench_server(name, port, pki, aeads, runs=RUNS):
    for aead in aeads:
        outs = [pc.key_exchange("127.0.0.1", port, pki.root_pem_path, "localhost", (aead,))
                for _ in range(runs)]
        benchlib.emit("nts_ke", "%s.aead%d.total" % (name, aead),
                      median_ms([o.times["total"] for o in outs]), "ms")
        benchlib.emit("nts_ke", "%s.aead%d.handshake" % (name, aead),
                      median_ms([o.times["handshake"] for o in outs]), "ms")
        out = outs[-1]
        assoc = NTSAssociation(out.result)
        times = []
        rtts = []
        for _ in range(min(runs, 8)):
            t0 = time.perf_counter()
            sample = pc.ntp_exchange(assoc, out.ntp_host, out.result.ntp_port)
            times.append(time.perf_counter() - t0)
            rtts.append(sample.delay / 1e9)
        benchlib.emit("ntp_exchange", "%s.aead%d.wall" % (name, aead), median_ms(times), "ms")
        benchlib.emit("ntp_exchange", "%s.aead%d.delay" % (name, aead), median_ms(rtts),
                      "ms")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_chain(tmp, kind="ecdsa")
        with ReferenceServer(pki.chain_pem_path, pki.leaf_key_pem_path, lifetime=300) as ref:
            bench_server("reference", ref.ke_port, pki, (15, 30))
        if find_chronyd():
            with Chrony(tmp, pki.chain_pem_path, pki.leaf_key_pem_path, lifetime=300) as ch:
                bench_server("chrony%s" % ch.version, ch.ke_port, pki, (15,))
                slow = [pc.key_exchange("127.0.0.1", ch.ke_port, pki.root_pem_path,
                                        "localhost", (15,), nodelay=False).times["total"]
                        for _ in range(5)]
                benchlib.emit("nts_ke", "chrony%s.aead15.total_without_nodelay" % ch.version,
                              median_ms(slow), "ms")
        if find_ntpd():
            try:
                with NTPsec(tmp, pki.chain_pem_path, pki.leaf_key_pem_path, lifetime=300) as nt:
                    bench_server("ntpsec%s" % nt.version, nt.ke_port, pki, (15,))
            except DaemonError as e:
                print("# NTPsec skipped: %s" % str(e).splitlines()[0])


if __name__ == "__main__":
    main()
