# One NTS-KE session with mpnts's TLS, step by step, for tools/benches/host_tls.py (which
# runs it under micropython against a loopback server). Prints one JSON line.
#
#   micropython tools/benches/tls_probe.py time HOST PORT CAFILE NAME
#       connect_ms (TCP + handshake), critical_us, auth_us (chain + CertificateVerify,
#       done after the request is sent), ke_ms (connect until End of Message)
#   micropython tools/benches/tls_probe.py heap HOST PORT CAFILE NAME
#       live heap (after gc.collect) above the post-import baseline at each step, and
#       what the imports themselves take (source compiled in RAM, not frozen)
import asyncio
import gc
import json
import sys

if "firmware" not in sys.path:
    sys.path.insert(0, "firmware")
gc.collect()
_START = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0

from nts import ke  # noqa: E402
from nts.aead import DEFAULT_AEADS  # noqa: E402
from nts.keclient import chain_verifier  # noqa: E402
from nts.platform import ticks_diff, ticks_ms, ticks_us  # noqa: E402
from nts.tls import trust  # noqa: E402
from nts.tls.stream import TLSStream  # noqa: E402
# Imported lazily by the signature code for ECDSA chains; imported here so the heap
# figures count session data, not code.
import nts.crypto.ec  # noqa: E402,F401


def main(mode, host, port, ca, name):
    import time
    store = trust.TrustStore()
    store.load("b", ca)
    verify = chain_verifier(name, store, "b", trust.CertTimePolicy(int(time.time())))
    heap = {}

    def mark(step):
        if mode == "heap":
            gc.collect()
            heap[step] = gc.mem_alloc() - base

    gc.collect()
    base = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0
    stream = TLSStream(host, int(port), name, verify)
    mark("stream")
    times = {}

    async def session():
        t0 = ticks_ms()
        await stream.connect()
        times["connect_ms"] = ticks_diff(ticks_ms(), t0)
        mark("handshake")
        await stream.send(ke.build_request())
        mark("request_sent")
        t1 = ticks_us()
        await stream.authenticate()
        times["auth_us"] = ticks_diff(ticks_us(), t1)
        mark("authenticated")
        buf = ke.ResponseBuffer()
        while not buf.feed(await stream.recv()):
            pass
        times["ke_ms"] = ticks_diff(ticks_ms(), t0)
        result = ke.parse_response(bytes(buf.data), DEFAULT_AEADS)
        result.derive_keys(stream.exporter)
        mark("response")
        stream.close()
    asyncio.run(session())
    if mode == "heap":
        out = dict(heap)
        out["imports"] = base - _START
        out["peak_step"] = max(heap.values())
    else:
        out = dict(times)
        out["critical_us"] = stream.critical_us
    print(json.dumps(out))


main(*sys.argv[1:6])
