# Mode NTPv4TLS (nts.smgw), the sans-IO part: the association turns every reply that is
# not an NTPv4 answer to our request into an ERROR outcome (over TLS a bad reply ends
# the query with its reason instead of being dropped as a forged datagram until the
# timeout), kisses and unsynchronized servers are judged as for plain NTPv4, and an
# NTPv4TLS server needs no key exchange and no preflight. The TLS part runs against an
# OpenSSL stand-in in host_tests/cpython/test_smgw.py.
from nts import reply
from nts.smgw import SMGWAssociation
from portability import skip_in_bundle_heap
from test_plainntp import SEC, T1, answer


def test_good_reply_is_a_sample_with_its_root_distance():
    a = SMGWAssociation("smgw.local", 443)
    data, req = a.make_request(T1)
    assert len(data) == 48 and data[0] == 0x23
    t2 = T1 + 3 * SEC + 10 * 1000000
    o = a.receive(req, answer(data, t2, t2), T1 + 20 * 1000000)
    s = o.sample
    assert o.kind == reply.SAMPLE and s.offset == 3 * SEC and s.delay == 20 * 1000000
    # (rootdelay 1 s + delay 20 ms) / 2 + rootdisp 0.5 s
    assert s.max_error_ns() == (SEC + 20 * 1000000) // 2 + SEC // 2


def test_bad_replies_end_the_query_with_their_reason():
    for bad, why in ((lambda d: answer(d, T1, T1, mode=3), "reply refused: "),
                     (lambda d: answer(d, T1, T1, vn=3), "reply refused: "),
                     (lambda d: answer(d, T1, T1, orig=1), "reply refused: "),
                     (lambda d: answer(d, T1, T1)[:47], "reply of 47 bytes"),
                     (lambda d: answer(d, T1, T1) + bytes(4), "reply of 52 bytes")):
        a = SMGWAssociation("smgw.local", 443)
        data, req = a.make_request(T1)
        o = a.receive(req, bad(data), T1)
        assert o.kind == reply.ERROR and o.reason.startswith(why), o.reason


def test_kiss_of_death_is_honoured():
    a = SMGWAssociation("smgw.local", 443)
    data, req = a.make_request(T1)
    o = a.receive(req, answer(data, T1, T1, stratum=0, refid=b"RATE"), T1)
    assert o.kind == reply.RATE


def test_ntpv4tls_server_needs_no_key_exchange_and_no_preflight():
    # Config and Peer need ~110 KB as an .mpy bundle (109 fails, 110 passes, 1 KB steps).
    skip_in_bundle_heap(110)
    from nts.config import Config
    from nts.peer import DO_QUERY, Peer
    c = Config.from_dict({"servers": [{"ServerURL": "smgw.local", "ServerPort": 443,
                                       "Mode": "NTPv4TLS", "ClientCertificate": "station"}]})
    s = c.servers[0]
    assert s.ClientCertificate == "station" and s.Preflight == 60
    p = Peer(s)
    assert p.tls and p.plain and p.next_action(0)[0] == DO_QUERY
    assert not p.needs_preflight(1000)
    assert p.ntp_address() == ("smgw.local", 443)
    snap = p.snapshot()
    assert snap["mode"] == "NTPv4TLS" and snap["port"] == 443 and snap["max_error"] is None
    assert Config.from_dict({"servers": [{"ServerURL": "a"}]}).servers[0].ClientCertificate == ""
