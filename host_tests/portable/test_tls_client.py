# The sans-IO TLS 1.3 client replaying whole sessions recorded against OpenSSL
# (host_tests/vectorgen/tls_session.py): with the recorded randomness it rebuilds its
# ClientHello byte for byte, verifies the server's Finished, answers with the recorded
# Finished, authenticates the RSA / ECDSA chain and CertificateVerify, reads the
# response and exports the same keying material as OpenSSL. Tampering, a wrong name and
# an untrusted root end in typed errors with nothing usable left behind.
#
# The whole client with its PKI (x509, trust, RSA, ECDSA, GCM) is ~125 KB of module
# objects when imported from RAM-loaded .mpy files, more than a 100 KB heap has; on a
# board these modules are frozen and their code stays in flash. So with code in the heap
# these tests skip below 300 KB; the frozen-firmware run (100 KB free) runs them.
import gc

from nts import slices
from nts.errors import AuthError, CertError, TLSError
from support import SkipTest, h, raises, vectors

_LABEL = b"EXPORTER-network-time-security"
_MIN_HEAP = 290000


def _require_heap():
    if hasattr(gc, "mem_free") and gc.mem_free() + gc.mem_alloc() < _MIN_HEAP:
        raise SkipTest("the full TLS client and PKI need more than a %d B heap as .mpy"
                       % _MIN_HEAP)


def _client(case, name="localhost", anchor=None):
    from nts.tls import client as tls_client
    from nts.tls import trust
    store = trust.TrustStore()
    store.add("t", anchor or h(case["root"]))
    policy = trust.CertTimePolicy(case["now"])

    def verify(chain):
        return trust.verify_chain_steps(chain, name, store, "t", policy)

    from nts.crypto import ec, x25519
    private = h(case["private"])
    randoms = [h(case["session_id"]), h(case["random"])]
    saved = tls_client.random_bytes, ec.random_bytes
    tls_client.random_bytes = lambda n: randoms.pop(0)
    try:
        key_pair = (private, slices.run(x25519.shared_steps(private, x25519.BASE_POINT)))
        c = tls_client.TLSClient("localhost", verify, key_pair=key_pair)
        assert c.start() == h(case["client_hello"])
        if case["retry"]:
            # HelloRetryRequest (and OpenSSL's compatibility ChangeCipherSpec) -> a second
            # ClientHello with a P-256 share, whose key the recording fixed as well.
            ec.random_bytes = lambda n: h(case["p256_private"])
            assert c.receive(h(case["hello_retry"])) == h(case["client_hello2"])
            assert c.retried
    finally:
        tls_client.random_bytes, ec.random_bytes = saved
    return c


def test_recorded_sessions_replay():
    _require_heap()
    n = 0
    for case in vectors("tls_session"):
        c = _client(case)
        flight = h(case["server_flight"])
        # Arbitrary TCP segmentation: the flight in two reads split mid-record.
        out = c.receive(flight[:100]) + c.receive(flight[100:])
        assert c.handshake_done and not c.authenticated
        assert out == h(case["client_finished"])
        assert c.send(h(case["request"])) == h(case["request_record"])
        c.receive(h(case["server_data"]))        # session tickets, then the response
        raises(TLSError, c.read)                # nothing before authentication
        raises(TLSError, c.exporter, _LABEL, b"", 16)
        slices.run(c.authenticate_steps())
        assert c.read() == h(case["response"])
        assert c.exporter(_LABEL, h(case["exporter_context"]), 32) == h(case["exporter"])
        n += 1
        # Free this session before the next (6-9 KB) vector line is read: on a 100 KB
        # heap the old session's garbage would leave no block that large.
        c = case = flight = out = None
        gc.collect()
    assert n == 4


def test_tampered_flight_is_refused():
    _require_heap()
    for case in vectors("tls_session"):
        # A flipped bit in the server Finished (last record's content): its MAC fails
        # at once, on the critical path.
        c = _client(case)
        flight = bytearray(h(case["server_flight"]))
        flight[-20] ^= 0x40
        raises(AuthError, c.receive, bytes(flight))
        raises(TLSError, c.receive, b"")        # a failed connection stays failed
        assert c.close() == b""
        # A flipped bit in a record tag: the handshake flight's tags are checked after
        # our Finished and request are out, and before anything of the session is used.
        c = _client(case)
        flight = bytearray(h(case["server_flight"]))
        flight[-5] ^= 0x40
        assert c.receive(bytes(flight)) == h(case["client_finished"])
        raises(AuthError, slices.run, c.authenticate_steps())
        raises(TLSError, c.read)
        raises(TLSError, c.exporter, _LABEL, b"", 16)
        assert c.close() == b""
        break


def test_wrong_name_and_untrusted_root_poison_the_session():
    _require_heap()
    cases = list(vectors("tls_session"))
    for case, kwargs in ((cases[0], {"name": "other.example"}),
                         (cases[0], {"anchor": h(cases[1]["root"])})):
        c = _client(case, **kwargs)
        c.receive(h(case["server_flight"]))
        c.send(h(case["request"]))
        c.receive(h(case["server_data"]))
        raises(CertError, slices.run, c.authenticate_steps())
        raises(TLSError, c.read)
        raises(TLSError, c.exporter, _LABEL, b"", 16)
        raises(TLSError, slices.run, c.authenticate_steps())


def test_key_update_both_directions():
    # White box: play the server's side of a KeyUpdate (RFC 8446 4.6.3) with the
    # session's own secrets, after the recorded session.
    _require_heap()
    from nts.tls import keyschedule as ks
    from nts.tls import record
    case = next(vectors("tls_session"))
    c = _client(case)
    c.receive(h(case["server_flight"]))
    c.send(h(case["request"]))
    c.receive(h(case["server_data"]))
    slices.run(c.authenticate_steps())
    assert c.read() == h(case["response"])
    old_c, old_s = c._keys.client_ap, c._keys.server_ap
    server = record.RecordLayer()
    server.set_write_key(*ks.traffic_key_iv(old_s))
    server._write._seq = c._records._read._seq      # the records the server already sent
    out = c.receive(server.seal(record.HANDSHAKE, b"\x18\x00\x00\x01\x01"))  # requested
    # Our answer goes under the old client key (its record 1, after the request) ...
    peer = record.RecordLayer()
    peer.set_read_key(*ks.traffic_key_iv(old_c))
    peer._read._seq = 1
    peer.feed(out)
    assert peer.next_record() == (record.HANDSHAKE, b"\x18\x00\x00\x01\x00")
    # ... and what follows under the next generation of both keys.
    peer = record.RecordLayer()
    peer.set_read_key(*ks.traffic_key_iv(ks.next_traffic_secret(old_c)))
    peer.feed(c.send(b"after"))
    assert peer.next_record() == (record.APPLICATION_DATA, b"after")
    server = record.RecordLayer()
    server.set_write_key(*ks.traffic_key_iv(ks.next_traffic_secret(old_s)))
    c.receive(server.seal(record.APPLICATION_DATA, b"new"))
    assert c.read() == b"new"
