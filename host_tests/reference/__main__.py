"""CLI: python -m host_tests.reference --port 0 --ntp-port 0 --cert CHAIN --key KEY
[--lie 3600] [--lifetime 300] [--aead 30,15]. Prints {"ke_port", "ntp_port", "pid"} as
JSON on the first line, then serves until --lifetime runs out or SIGTERM/SIGINT."""
import argparse
import json
import os
import signal
import sys
import time

from host_tests.reference.server import ReferenceServer


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m host_tests.reference")
    ap.add_argument("--port", type=int, default=0, help="NTS-KE port (0: ephemeral)")
    ap.add_argument("--ntp-port", type=int, default=0, help="NTP port (0: ephemeral)")
    ap.add_argument("--cert", required=True, help="PEM certificate chain, leaf first")
    ap.add_argument("--key", required=True, help="PEM private key")
    ap.add_argument("--lie", type=float, default=0.0, help="seconds added to our clock")
    ap.add_argument("--lifetime", type=float, default=300.0, help="stop after N seconds")
    ap.add_argument("--aead", default="30,15", help="AEAD ids in server preference order")
    a = ap.parse_args(argv)
    srv = ReferenceServer(a.cert, a.key, ke_port=a.port, ntp_port=a.ntp_port,
                          aeads=[int(x) for x in a.aead.split(",")],
                          faults={"lie": a.lie} if a.lie else None, lifetime=a.lifetime)
    srv.start()
    signal.signal(signal.SIGTERM, lambda *_: srv.stop())
    print(json.dumps({"ke_port": srv.ke_port, "ntp_port": srv.ntp_port, "pid": os.getpid()}),
          flush=True)
    try:
        while not srv.stopped:
            time.sleep(0.5)
    except KeyboardInterrupt:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
