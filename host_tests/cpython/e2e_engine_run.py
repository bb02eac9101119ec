# Run by test_e2e_sync.py under MicroPython (cwd firmware/): the sync engine for a few
# rounds against loopback NTS servers, with a unix clock that starts untrusted and far
# off (a board after a power loss), never touching the host clock. argv[1] is a JSON
# object: {"servers": ["127.0.0.1:port", ...], "ca": path, "min": n, "rounds": n,
# "clock_offset_s": s, "nocertcheck": bool}. Prints one JSON line per round, then one
# with the status table.
import asyncio
import json
import sys
import time

sys.path.insert(0, ".")     # cwd is firmware/
from nts import cli, ke  # noqa: E402
from nts.config import Config
from nts.engine import DEFAULT_CA_GROUP, Engine, Transport
from nts.tls import trust
from rtc.unix import UnixClock

args = json.loads(sys.argv[1])
servers = []
for i, text in enumerate(args["servers"]):
    host, port = cli.split_host_port(text, ke.PORT)
    servers.append({"Instance": "s%d" % (i + 1), "ServerURL": host, "NTSKEServerPort": port,
                    "NoCertTimeCheckAfterReboot": args["nocertcheck"],
                    "AEADAlgorithm": ["AES-SIV-CMAC-256", "AES-128-GCM-SIV"]})
config = Config.from_dict({"servers": servers,
                           "groups": {"legal": {"MinServers": args["min"]}}})
store = trust.TrustStore()
store.load(DEFAULT_CA_GROUP, args["ca"])
clock = UnixClock(offset_ns=int(args["clock_offset_s"] * 1000000000), trusted=False)
events = []
engine = Engine(config, clock, Transport(store, "localhost"), hook=events.append)


def host_ns():
    return time.time_ns()


for n in range(args["rounds"]):
    sel = asyncio.run(engine.sync_once())
    print(json.dumps({
        "round": n + 1, "ok": sel.ok, "truechimers": sel.truechimers,
        "rejected": sel.rejected, "trusted": clock.is_trusted(),
        "clock_error_s": (clock.now_ns() - host_ns()) / 1e9,
        "events": [e["event"] for e in events],
        "ke": [p.ke_count for p in engine.peers],
        "errors": [p.last_error for p in engine.peers]}))
    events[:] = []

import nts
from nts import statusview
print(json.dumps({"status": nts.status(True), "rendered": statusview.render(engine.snapshot())}))
