# The TLS 1.3 client's own per-handshake compute, on the RFC 8448 section 3 values (no
# network): the whole key schedule of one handshake, the four transcript digests of a
# handshake with a ~5 KB certificate chain (the transcript is re-hashed on demand because
# MicroPython's hashlib has no copy(); see nts/tls/keyschedule.py), one AES-GCM context
# setup (four per handshake), and opening the trace's 679-byte protected server flight.
# critical_path.replay_<kind>: the client's whole critical path (ServerHello received ->
# our Finished and first request sealed: X25519, key schedule, decryption, Finished MAC)
# replaying a session recorded against OpenSSL (build/vectors/tls_session.jsonl), so
# it needs no server and no network.
# Run from the repo root under python or micropython.
import sys

sys.path.insert(0, "tools/benches")
sys.path.insert(0, "host_tests/portable")
from benchlib import emit, us_per_op  # noqa: E402

import rfc8448 as v  # noqa: E402
from nts.crypto.gcm import AESGCM  # noqa: E402
from nts.tls import keyschedule as ks  # noqa: E402


def _key_schedule():
    s = ks.KeySchedule()
    s.derive_handshake(v.SHARED, v.HELLO_HASH)
    ks.traffic_key_iv(s.server_hs)
    ks.traffic_key_iv(s.client_hs)
    ks.finished_verify_data(s.server_hs, v.HELLO_HASH)
    s.derive_application(v.SERVER_FINISHED_HASH)
    ks.finished_verify_data(s.client_hs, v.SERVER_FINISHED_HASH)
    ks.traffic_key_iv(s.server_ap)
    ks.traffic_key_iv(s.client_ap)


def _transcript():
    t = ks.Transcript()
    t.add(v.CLIENT_HELLO)
    t.add(v.SERVER_HELLO)
    t.digest()
    for m in v.split_flight()[:2]:
        t.add(m)
    t.add(bytes(4600))          # a Let's-Encrypt-shaped chain's Certificate message
    t.digest()
    t.add(v.split_flight()[2])
    t.digest()
    t.add(v.split_flight()[3])
    t.digest()


_FLIGHT_GCM = []


def _open_flight():
    # The first record of a key: sequence 0, so the nonce is the IV itself.
    if not _FLIGHT_GCM:
        _FLIGHT_GCM.append(AESGCM(v.S_HS_KEY))
    rec = v.SERVER_FLIGHT_RECORD
    _FLIGHT_GCM[0].decrypt(v.S_HS_IV, rec[5:], rec[:5])


def _gcm_setup():
    AESGCM(v.S_HS_KEY)


def _replay_critical_path(case):
    from binascii import unhexlify
    from nts import slices
    from nts.crypto import x25519
    from nts.platform import ticks_diff, ticks_us
    from nts.tls import client as tls_client
    h = unhexlify
    private = h(case["private"])
    key_pair = (private, slices.run(x25519.shared_steps(private, x25519.BASE_POINT)))
    flight, request = h(case["server_flight"]), h(case["request"])
    best = None
    for _ in range(5):
        randoms = [h(case["session_id"]), h(case["random"])]
        saved = tls_client.random_bytes
        tls_client.random_bytes = lambda n: randoms.pop(0)
        try:
            c = tls_client.TLSClient("localhost", None, key_pair=key_pair)
            c.start()
        finally:
            tls_client.random_bytes = saved
        t0 = ticks_us()
        c.receive(flight)
        c.send(request)
        us = ticks_diff(ticks_us(), t0)
        best = us if best is None or us < best else best
    return best


def main():
    emit("tls", "key_schedule.handshake", us_per_op(_key_schedule), "us")
    emit("tls", "transcript.4_digests_5kB", us_per_op(_transcript), "us")
    emit("tls", "record.gcm_context_setup", us_per_op(_gcm_setup), "us")
    emit("tls", "record.open_679B", us_per_op(_open_flight), "us")
    import json
    with open("build/vectors/tls_session.jsonl") as f:
        for line in f:
            case = json.loads(line)
            if not case["retry"]:
                emit("tls", "critical_path.replay_%s" % case["kind"],
                     _replay_critical_path(case), "us")


main()
