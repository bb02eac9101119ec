# TLS 1.3 key schedule against RFC 8448 section 3 ("Simple 1-RTT Handshake"), which uses
# X25519 and TLS_AES_128_GCM_SHA256: exactly the suite mpnts offers. Every secret, key,
# IV and both Finished values are derived from the trace's inputs (the ECDHE secret and
# the handshake messages) and compared with the trace.
from nts.errors import TLSError
from nts.tls import keyschedule as ks
import rfc8448 as v
from support import raises


def _run_trace():
    t = ks.Transcript()
    t.add(v.CLIENT_HELLO)
    t.add(v.SERVER_HELLO)
    s = ks.KeySchedule()
    hello_hash = t.digest()
    s.derive_handshake(v.SHARED, hello_hash)
    return t, s, hello_hash


def test_early_and_handshake_secrets():
    t, s, hello_hash = _run_trace()
    assert s.early_secret == v.EARLY
    assert hello_hash == v.HELLO_HASH
    assert s.handshake_secret == v.HANDSHAKE
    assert s.client_hs == v.C_HS
    assert s.server_hs == v.S_HS
    assert s._master_secret == v.MASTER      # no accessor: firmware hands out no secret


def test_handshake_traffic_keys():
    t, s, _ = _run_trace()
    assert ks.traffic_key_iv(s.server_hs) == (v.S_HS_KEY, v.S_HS_IV)
    assert ks.traffic_key_iv(s.client_hs) == (v.C_HS_KEY, v.C_HS_IV)


def test_finished_values_and_application_secrets():
    t, s, _ = _run_trace()
    ee, cert, cv, fin = v.split_flight()
    assert [m[0] for m in (ee, cert, cv, fin)] == [8, 11, 15, 20]
    for m in (ee, cert, cv):
        t.add(m)
    assert ks.finished_verify_data(s.server_hs, t.digest()) == v.S_FINISHED
    assert fin[4:] == v.S_FINISHED
    t.add(fin)
    server_finished_hash = t.digest()
    assert server_finished_hash == v.SERVER_FINISHED_HASH
    s.derive_application(server_finished_hash)
    assert (s.client_ap, s.server_ap, s.exporter_master) == (v.C_AP, v.S_AP, v.EXP_MASTER)
    assert ks.traffic_key_iv(s.server_ap) == (v.S_AP_KEY, v.S_AP_IV)
    assert ks.traffic_key_iv(s.client_ap) == (v.C_AP_KEY, v.C_AP_IV)
    # The client's Finished covers the transcript through the server's Finished.
    assert ks.finished_verify_data(s.client_hs, server_finished_hash) == v.C_FINISHED


def test_exporter_shape_and_guard():
    t, s, _ = _run_trace()
    raises(TLSError, s.exporter, b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 16)
    s.derive_application(v.SERVER_FINISHED_HASH)
    c2s = s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 32)
    s2c = s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x01", 32)
    assert len(c2s) == 32 and c2s != s2c
    assert s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 32) == c2s
    # The length is part of HkdfLabel, so a shorter output is not a prefix of a longer one.
    assert s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 16) != c2s[:16]


def test_hello_retry_transcript_substitution():
    # RFC 8446 4.4.1: ClientHello1 becomes message_hash = 254 00 00 20 Hash(ClientHello1).
    import hashlib
    t = ks.Transcript()
    t.add(v.CLIENT_HELLO)
    t.restart_after_hello_retry()
    expected = hashlib.sha256(b"\xfe\x00\x00\x20" + hashlib.sha256(v.CLIENT_HELLO).digest())
    assert t.digest() == expected.digest()


def test_transcript_is_bounded():
    t = ks.Transcript()
    chunk = bytes(1024)     # one object added many times: small heap under MicroPython
    for _ in range(ks.MAX_TRANSCRIPT // 1024):
        t.add(chunk)
    raises(TLSError, t.add, b"x")


def test_x25519_shared_secret_of_the_trace():
    from support import SkipTest
    try:
        from nts.crypto.x25519 import x25519
    except ImportError:
        raise SkipTest("nts.crypto.x25519 not present")
    assert x25519(v.CLIENT_PRIVATE, v.SERVER_PUBLIC) == v.SHARED
