# NTS-KE records (RFC 8915 section 4): request bytes, response rules, key export context.
from nts import ke
from nts.errors import KEError, KEErrorRecord, KEWarningRecord, ParseError
from support import h, raises

EOM = h("8000 0000")
NEXT_NTPV4 = h("8001 0002 0000")
AEAD15 = h("8004 0002 000f")
AEAD30 = h("8004 0002 001e")
COOKIE = h("0005 0004 01020304")
OFFER = (15, 30)


def rec(rtype, body, critical=False):
    return ke.build_records([(critical, rtype, body)])


def resp(*parts):
    return b"".join(parts) + EOM


def test_request_bytes():
    # Next Protocol NTPv4 (critical), AEAD [15, 30] (critical), 1024 (non-critical), EOM.
    assert ke.build_request((15, 30)) == h(
        "8001 0002 0000  8004 0004 000f 001e  0400 0000  8000 0000")
    assert ke.build_request((15,)) == h("8001 0002 0000  8004 0002 000f  8000 0000")
    assert ke.build_request((30,)) == h("8001 0002 0000  8004 0002 001e  0400 0000  8000 0000")
    raises(ValueError, ke.build_request, ())


def test_minimal_response():
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD15, COOKIE), OFFER)
    assert res.aead == 15
    assert res.cookies == [h("01020304")]
    assert res.ntp_server is None and res.ntp_port == 123
    assert not res.compliant_128gcm


def test_records_roundtrip():
    data = resp(NEXT_NTPV4, AEAD15, COOKIE, rec(0x1234, b"xy"))
    recs = ke.parse_records(data)
    assert recs[-1] == (True, 0, b"")
    assert recs[3] == (False, 0x1234, b"xy")
    assert ke.build_records(recs) == data


def test_negotiation_records_with_and_without_critical_bit():
    for crit in (False, True):
        data = resp(NEXT_NTPV4, AEAD15, COOKIE, rec(6, b"ntp.example.org", crit),
                    rec(7, h("1234"), crit))
        res = ke.parse_response(data, OFFER)
        assert res.ntp_server == "ntp.example.org"
        assert res.ntp_port == 0x1234


def test_cookies_kept_in_order_at_most_eight():
    cookies = [rec(5, bytes([i]) * (i + 1)) for i in range(10)]
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD15, *cookies), OFFER)
    assert len(res.cookies) == 8
    assert res.cookies[0] == b"\x00" and res.cookies[7] == b"\x07" * 8
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD15, rec(5, b"\xaa" * 256)), OFFER)
    assert res.cookies == [b"\xaa" * 256]


def test_unknown_records():
    # Non-critical unknown records are skipped; critical ones are an error.
    ke.parse_response(resp(NEXT_NTPV4, rec(0x4000, b"zz"), AEAD15, COOKIE), OFFER)
    raises(KEError, ke.parse_response, resp(NEXT_NTPV4, rec(0x4000, b"", True), AEAD15, COOKIE),
           OFFER)


def test_error_and_warning_records_carry_code():
    e = raises(KEErrorRecord, ke.parse_response, resp(rec(2, h("0001"), True)), OFFER)
    assert e.code == 1
    # An Error wins even when the rest of the response looks fine.
    e = raises(KEErrorRecord, ke.parse_response,
               resp(NEXT_NTPV4, AEAD15, COOKIE, rec(2, h("0002"), True)), OFFER)
    assert e.code == 2
    e = raises(KEWarningRecord, ke.parse_response,
               resp(NEXT_NTPV4, AEAD15, COOKIE, rec(3, h("0007"), True)), OFFER)
    assert e.code == 7
    raises(KEError, ke.parse_response, resp(rec(2, h("00"), True)), OFFER)


def test_next_protocol_rules():
    bad = [
        resp(AEAD15, COOKIE),                                   # missing
        resp(NEXT_NTPV4, NEXT_NTPV4, AEAD15, COOKIE),           # duplicated
        resp(rec(1, b"", True), AEAD15, COOKIE),                # server accepts none
        resp(rec(1, h("0001"), True), AEAD15, COOKIE),          # not NTPv4
        resp(rec(1, h("0000 0000"), True), AEAD15, COOKIE),     # two protocols
    ]
    for data in bad:
        raises(KEError, ke.parse_response, data, OFFER)


def test_aead_rules():
    bad = [
        resp(NEXT_NTPV4, COOKIE),                               # missing
        resp(NEXT_NTPV4, AEAD15, AEAD15, COOKIE),               # duplicated
        resp(NEXT_NTPV4, rec(4, b"", True), COOKIE),            # no common algorithm
        resp(NEXT_NTPV4, rec(4, h("000f 001e"), True), COOKIE),  # two algorithms
        resp(NEXT_NTPV4, rec(4, h("0010"), True), COOKIE),      # not offered (16)
    ]
    for data in bad:
        raises(KEError, ke.parse_response, data, OFFER)
    raises(KEError, ke.parse_response, resp(NEXT_NTPV4, AEAD30, COOKIE), (15,))
    assert ke.parse_response(resp(NEXT_NTPV4, AEAD30, COOKIE), (15, 30)).aead == 30


def test_cookie_rules():
    raises(KEError, ke.parse_response, resp(NEXT_NTPV4, AEAD15), OFFER)
    raises(KEError, ke.parse_response, resp(NEXT_NTPV4, AEAD15, rec(5, b"")), OFFER)
    raises(KEError, ke.parse_response, resp(NEXT_NTPV4, AEAD15, rec(5, bytes(257))), OFFER)


def test_server_and_port_rules():
    base = (NEXT_NTPV4, AEAD15, COOKIE)
    for body in (b"", b"has space", b"tab\there", b"\x7f", bytes([0xC3, 0xA9]), b"a" * 256):
        raises(KEError, ke.parse_response, resp(*(base + (rec(6, body),))), OFFER)
    for body in (b"", h("01"), h("000102"), h("0000")):
        raises(KEError, ke.parse_response, resp(*(base + (rec(7, body),))), OFFER)
    raises(KEError, ke.parse_response, resp(*(base + (rec(6, b"a"), rec(6, b"b")))), OFFER)
    raises(KEError, ke.parse_response, resp(*(base + (rec(7, h("0001")), rec(7, h("0002"))))),
           OFFER)


def test_compliant_export_record():
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD30, COOKIE, rec(1024, b"")), OFFER)
    assert res.compliant_128gcm
    raises(KEError, ke.parse_response, resp(NEXT_NTPV4, AEAD30, COOKIE, rec(1024, b"x")), OFFER)
    raises(KEError, ke.parse_response,
           resp(NEXT_NTPV4, AEAD30, COOKIE, rec(1024, b""), rec(1024, b"")), OFFER)


def test_framing_errors():
    good = resp(NEXT_NTPV4, AEAD15, COOKIE)
    for n in range(len(good)):
        raises(ParseError, ke.parse_response, good[:n], OFFER)   # truncated anywhere
    raises(ParseError, ke.parse_response, good + b"\x00", OFFER)  # bytes after EOM
    raises(ParseError, ke.parse_response, good[:-4] + h("8000 0001 00"), OFFER)  # EOM body

def with_small_limit(fn):
    # The 16 KB limit is a module attribute; shrinking it keeps the test small-heap safe.
    saved = ke.MAX_MESSAGE
    ke.MAX_MESSAGE = 64
    try:
        fn()
    finally:
        ke.MAX_MESSAGE = saved


def test_oversized_message():
    assert ke.MAX_MESSAGE == 16384
    good = resp(NEXT_NTPV4, AEAD15, COOKIE, rec(0x4000, bytes(64 - 28)))
    assert len(good) == 64

    def check():
        ke.parse_response(good, OFFER)
        raises(ParseError, ke.parse_response, good[:-4] + h("4000 0000") + EOM, OFFER)
        assert ke.ResponseBuffer().feed(good)
        raises(ParseError, ke.ResponseBuffer().feed, h("4000 ffff") + bytes(61))
        buf = ke.ResponseBuffer()
        assert not buf.feed(h("4000 ffff") + bytes(60))
        raises(ParseError, buf.feed, b"x")
    with_small_limit(check)


def test_end_of_message_without_critical_bit_is_accepted():
    res = ke.parse_response(NEXT_NTPV4 + AEAD15 + COOKIE + h("0000 0000"), OFFER)
    assert res.aead == 15


def test_response_buffer():
    data = resp(NEXT_NTPV4, AEAD15, COOKIE)
    for n in range(len(data)):
        assert not ke.ResponseBuffer().feed(data[:n])
    assert ke.ResponseBuffer().feed(data)
    buf = ke.ResponseBuffer()
    done = False
    for i in range(0, len(data), 3):   # arrives in pieces over TLS
        done = buf.feed(data[i:i + 3])
    assert done and bytes(buf.data) == data
    assert ke.parse_response(bytes(buf.data), OFFER).cookies == [h("01020304")]
    # a non-critical record with zero type bits in the low byte is not End of Message
    assert not ke.ResponseBuffer().feed(h("0100 0000"))


def fake_exporter(calls):
    def export(label, context, length):
        calls.append((label, context, length))
        return bytes([len(calls)]) * length
    return export


def test_key_export_context():
    calls = []
    c2s, s2c = ke.derive_keys(fake_exporter(calls), 15)
    assert calls == [(b"EXPORTER-network-time-security", h("0000 000f 00"), 32),
                     (b"EXPORTER-network-time-security", h("0000 000f 01"), 32)]
    assert c2s == b"\x01" * 32 and s2c == b"\x02" * 32
    calls = []
    ke.derive_keys(fake_exporter(calls), 30)
    assert [c[1:] for c in calls] == [(h("0000 001e 00"), 16), (h("0000 001e 01"), 16)]
    calls = []
    ke.derive_keys(fake_exporter(calls), 30, False)   # chrony's legacy context
    assert [c[1:] for c in calls] == [(h("0000 000f 00"), 16), (h("0000 000f 01"), 16)]
    raises(KEError, ke.derive_keys, fake_exporter([]), 16)
    raises(KEError, ke.derive_keys, lambda label, ctx, n: b"short", 15)


def test_result_keys_and_chrony_fallback():
    calls = []
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD30, COOKIE), OFFER).derive_keys(
        fake_exporter(calls))
    # Without record 1024: legacy keys (id 15 in the context) first, compliant kept aside.
    assert [c[1] for c in calls] == [h("0000 001e 00"), h("0000 001e 01"),
                                     h("0000 000f 00"), h("0000 000f 01")]
    assert res.alt_c2s == b"\x01" * 16 and res.alt_s2c == b"\x02" * 16
    assert res.c2s == b"\x03" * 16 and res.s2c == b"\x04" * 16
    calls = []
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD30, COOKIE, rec(1024, b"")),
                            OFFER).derive_keys(fake_exporter(calls))
    assert [c[1] for c in calls] == [h("0000 001e 00"), h("0000 001e 01")]
    assert res.alt_c2s is None and res.c2s == b"\x01" * 16


def test_repr_hides_keys_and_cookies():
    res = ke.parse_response(resp(NEXT_NTPV4, AEAD15, rec(5, b"SECRETCOOKIE")), OFFER)
    res.derive_keys(lambda label, ctx, n: b"K" * n)
    text = repr(res)
    assert "SECRET" not in text and "KKKK" not in text and "cookies=1" in text
