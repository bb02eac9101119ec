# Run by test_loop_stall.py and tools/benches/host_loopstall.py (cwd firmware/, under
# MicroPython or CPython): one cold sync round of the engine while a 10 ms ticker task
# shares the loop, as a charger's OCPP heartbeat would. argv[1] is a JSON object
# {"servers": ["127.0.0.1:port", ...], "ca": path, "min": n, "ke_timeout": s}. Prints one
# JSON line: the longest gap the ticker saw, the longest time the loop was held from a
# task that yields at every turn (the longest CPU slice of anything else on the loop:
# the handshakes' computations run in slices, nts.slices), the round's wall time, the
# outcome.
import asyncio
import json
import sys

sys.path.insert(0, ".")     # cwd is firmware/
from nts import cli, ke  # noqa: E402
from nts.config import Config
from nts.engine import DEFAULT_CA_GROUP, Engine, Transport
from nts.platform import ticks_diff, ticks_ms, ticks_us
from nts.tls import trust
from rtc.unix import UnixClock

args = json.loads(sys.argv[1])
servers = []
for i, text in enumerate(args["servers"]):
    host, port = cli.split_host_port(text, ke.PORT)
    servers.append({"Instance": "s%d" % (i + 1), "ServerURL": host, "NTSKEServerPort": port,
                    "Preflight": 0})
config = Config.from_dict({"servers": servers, "groups": {"legal": {"MinServers": args["min"]}}})
store = trust.TrustStore()
store.load(DEFAULT_CA_GROUP, args["ca"])
engine = Engine(config, UnixClock(trusted=False),
                Transport(store, "localhost", args["ke_timeout"]))
gaps = [0]
holds = [0]


async def ticker():
    last = ticks_ms()
    while True:
        await asyncio.sleep_ms(10) if hasattr(asyncio, "sleep_ms") else await asyncio.sleep(0.01)
        now = ticks_ms()
        gaps[0] = max(gaps[0], ticks_diff(now, last))
        last = now


async def spinner():
    last = ticks_us()
    while True:
        await asyncio.sleep(0)
        now = ticks_us()
        holds[0] = max(holds[0], ticks_diff(now, last))
        last = now


async def main():
    t = asyncio.create_task(ticker())
    s = asyncio.create_task(spinner())
    await asyncio.sleep(0)
    t0 = ticks_ms()
    sel = await engine.sync_once()
    wall = ticks_diff(ticks_ms(), t0)
    t.cancel()
    s.cancel()
    return sel, wall

sel, wall = asyncio.run(main())
print(json.dumps({"max_gap_ms": gaps[0], "max_hold_ms": holds[0] / 1000, "wall_ms": wall,
                  "ok": sel.ok,
                  "truechimers": sel.truechimers,
                  "errors": [p.last_error for p in engine.peers]}))
