# Plain NTPv4 (Mode NTPv4, only where a group allows it): the request is a bare 48-byte
# client header with a random transmit timestamp; an answer counts only if it echoes it.
# Answers are packed by hand here (RFC 5905 7.3), not with the firmware's encoder.
from nts import timescale
from nts.errors import KissOfDeath, NTPError, ParseError
from nts.plainntp import PlainAssociation
from support import raises

SEC = timescale.NS_PER_S
T1 = timescale.from_unix(1795714200)        # 2026-11-26


def answer(request, t2, t3, li=0, vn=4, mode=4, stratum=2, refid=b"GPS\x00", orig=None):
    orig = int.from_bytes(request[40:48], "big") if orig is None else orig
    return (bytes([(li << 6) | (vn << 3) | mode, stratum, 6, 0xEC])
            + (0x00010000).to_bytes(4, "big") + (0x00008000).to_bytes(4, "big") + refid
            + timescale.to_ntp64(t2 - SEC).to_bytes(8, "big") + orig.to_bytes(8, "big")
            + timescale.to_ntp64(t2).to_bytes(8, "big") + timescale.to_ntp64(t3).to_bytes(8, "big"))


def test_request_is_a_bare_client_header_with_random_transmit_timestamp():
    a = PlainAssociation("ntp.example", 123)
    d1, r1 = a.make_request(T1)
    d2, _ = a.make_request(T1)
    assert len(d1) == 48 and d1[0] == 0x23 and d1[1:40] == bytes(39)
    assert d1[40:] != d2[40:] and int.from_bytes(d1[40:], "big") == r1.xmit_ts
    assert a.aead is None and len(a.cookies) == 0 and a.action() == "query"


def test_sample_offset_and_delay():
    a = PlainAssociation("ntp.example", 123, asymmetry=0)
    data, req = a.make_request(T1)
    t2 = T1 + 7 * SEC + 50 * 1000000            # server 7 s ahead, 50 ms each way
    s = a.handle_response(req, answer(data, t2, t2 + 1000000), T1 + 101 * 1000000)
    assert s.delay == 100 * 1000000 and s.offset == 7 * SEC and s.stratum == 2
    assert s.root_delay == SEC and s.root_disp == SEC // 2


def test_only_an_echo_of_our_request_counts_and_only_once():
    a = PlainAssociation("ntp.example", 123)
    data, req = a.make_request(T1)
    good = answer(data, T1 + SEC, T1 + SEC)
    raises(NTPError, a.handle_response, req, answer(data, T1, T1, orig=1), T1)
    raises(NTPError, a.handle_response, req, answer(data, T1, T1, mode=5), T1)
    raises(NTPError, a.handle_response, req, answer(data, T1, T1, vn=3), T1)
    raises(ParseError, a.handle_response, req, good[:47], T1)
    a.handle_response(req, good, T1 + SEC)
    raises(NTPError, a.handle_response, req, good, T1 + SEC)


def test_unsynchronized_server_and_kiss_of_death():
    a = PlainAssociation("ntp.example", 123)
    data, req = a.make_request(T1)
    raises(NTPError, a.handle_response, req, answer(data, T1, T1, li=3), T1)
    data, req = a.make_request(T1)
    e = raises(KissOfDeath, a.handle_response, req,
               answer(data, T1, T1, stratum=0, refid=b"RATE"), T1)
    assert e.code == b"RATE"
