# NTS-protected NTP exchange (RFC 8915 5.7): request layout and every rule a response
# must pass. Server answers come from nts_double (same AEAD module); the CPython tests
# cross-check the wire format against the `cryptography` package.
from nts import ntp
from nts.errors import AuthError, NTPError, ParseError
from nts_double import C2S, C2S16, S2C, S2C16, SEC, T1, server_answer
from support import h, raises


def new_request(aead=15, cookie=b"K" * 100, placeholders=2):
    c2s, s2c = (C2S, S2C) if aead == 15 else (C2S16, S2C16)
    return ntp.build_request(aead, c2s, s2c, cookie, placeholders, T1)


def test_request_layout():
    data, req = ntp.build_request(15, C2S, S2C, b"K" * 100, 3, T1, uid=b"U" * 32,
                                  nonce=b"N" * 16, xmit_ts=0x0102030405060708)
    hdr, fields = ntp.parse_packet(data)
    assert data[:4] == h("23 00 00 00")                 # LI 0, VN 4, mode 3
    assert data[4:40] == bytes(36) and hdr.xmit_ts == 0x0102030405060708
    assert [(t, len(b)) for t, b, _ in fields] == [
        (0x104, 32), (0x204, 100), (0x304, 100), (0x304, 100), (0x304, 100), (0x404, 36)]
    assert fields[0][1] == b"U" * 32 and fields[1][1] == b"K" * 100
    assert fields[2][1] == bytes(100)
    nonce, ct = ntp.parse_authenticator(fields[-1][1])
    assert nonce == b"N" * 16 and len(ct) == 16         # empty plaintext: tag only
    assert len(data) == 48 + 36 + 4 * 104 + 40
    assert req.uid == b"U" * 32 and req.xmit_ts == 0x0102030405060708 and req.t1 == T1
    data30, _ = ntp.build_request(30, C2S16, S2C16, b"K" * 100, 0, T1)
    assert len(ntp.parse_authenticator(ntp.parse_packet(data30)[1][-1][1])[0]) == 12
    assert len(data30) == 48 + 36 + 104 + 36


def test_random_fields_differ():
    a, ra = new_request()
    b, rb = new_request()
    assert ra.uid != rb.uid and ra.xmit_ts != rb.xmit_ts and a != b


def test_verify_good_response_both_aeads():
    for aead, s2c in ((15, S2C), (30, S2C16)):
        data, req = new_request(aead)
        cookies = [b"A" * 100, b"B" * 100, b"C" * 100]
        resp = ntp.verify_response(req, server_answer(data, s2c, aead, cookies))
        assert resp.cookies == cookies and not resp.nak
        assert resp.header.stratum == 2 and req.answered


def test_one_response_per_request():
    data, req = new_request()
    answer = server_answer(data, S2C)
    ntp.verify_response(req, answer)
    raises(NTPError, ntp.verify_response, req, answer)        # replay / duplicate


def test_rejections():
    data, req = new_request()
    cases = [
        (NTPError, server_answer(data, S2C, mode=3)),
        (NTPError, server_answer(data, S2C, uid=b"x" * 32)),
        (AuthError, server_answer(data, S2C, tamper=True)),
        (AuthError, server_answer(data, bytes(32))),                    # wrong key
        (AuthError, server_answer(data, S2C, extra_after_auth=0x0204)),  # auth not last
        (AuthError, server_answer(data, S2C, no_auth=True)),          # no authenticator
        (ParseError, server_answer(data, S2C)[:-1]),
    ]
    for exc, answer in cases:
        raises(exc, ntp.verify_response, req, answer)
    assert not req.answered                   # forgeries do not use up the request
    other = bytearray(server_answer(data, S2C))
    other[24:32] = bytes(8)                   # origin timestamp not ours
    raises(NTPError, ntp.verify_response, req, bytes(other))
    other = bytearray(server_answer(data, S2C))
    other[0] = (3 << 3) | 4                   # NTPv3
    raises(NTPError, ntp.verify_response, req, bytes(other))
    ntp.verify_response(req, server_answer(data, S2C))


def test_cookies_only_from_encrypted_part():
    data, req = new_request()
    answer = server_answer(data, S2C, cookies=[b"inside" * 4], plain_cookies=[b"outside!" * 4])
    assert ntp.verify_response(req, answer).cookies == [b"inside" * 4]


def test_nak_needs_matching_uid_and_origin():
    data, req = new_request()
    raises(NTPError, ntp.verify_response, req,
           server_answer(data, S2C, stratum=0, kiss=b"NTSN", uid=b"y" * 32))
    resp = ntp.verify_response(req, server_answer(data, S2C, stratum=0, kiss=b"NTSN"))
    # Unauthenticated (RFC 8915 5.7): it does not consume the request, whose
    # authenticated answer may still come.
    assert resp.nak and resp.cookies == [] and not req.answered
    assert not ntp.verify_response(req, server_answer(data, S2C)).nak and req.answered


def test_other_kiss_codes_must_be_authenticated():
    data, req = new_request()
    forged = server_answer(data, S2C, stratum=0, kiss=b"DENY", tamper=True)
    raises(AuthError, ntp.verify_response, req, forged)
    resp = ntp.verify_response(req, server_answer(data, S2C, stratum=0, kiss=b"RATE"))
    assert resp.header.stratum == 0 and resp.header.refid == b"RATE"


def test_largest_reply_fits_the_receive_buffer():
    # The biggest answer our request can provoke: one cookie back per Cookie and
    # Placeholder field we sent, and those fields never exceed MAX_COOKIE_BYTES (104-byte
    # cookies: 8 fields of 108 bytes = 864 exactly). nts.aio receives that much.
    before = 0
    cookie = b"K" * 104
    n = ntp.placeholders_for(before, len(cookie))
    assert n == 7
    data, req = new_request(cookie=cookie, placeholders=n)
    answer = server_answer(data, S2C, cookies=[b"c" * 104] * (n + 1))
    assert len(answer) == ntp.MAX_REPLY == 988
    assert len(ntp.verify_response(req, answer).cookies) == 8
    for size in range(1, 257):          # every cookie size ke accepts (ke.MAX_COOKIE)
        fields = ntp.placeholders_for(0, size) + 1
        assert fields * max(16, (4 + size + 3) & ~3) <= ntp.MAX_COOKIE_BYTES
    # (nts.aio.MAX_DATAGRAM == ntp.MAX_REPLY + signed.MAX_EXTRA: test_plainntp, which
    # loads the sockets)


def test_largest_signed_reply_fits_the_receive_buffer():
    # Signed responses (issue 12): reply 1 of the largest reply with its 0xFF01, then
    # reply 2 with the longest DER P-256 signature (72 bytes): signed.MAX_EXTRA more.
    from nts import signed
    announce = ntp.encode_extension_field(signed.EF_SIGNED_ANNOUNCE, b"\x80").getvalue()
    reply1 = bytes(ntp.MAX_REPLY) + announce
    sig = b"\x30\x46\x02\x21" + bytes(33) + b"\x02\x21" + bytes(33)
    field = ntp.encode_extension_field(signed.EF_SIGNED_RESPONSE, b"\x00\x07\x00\x48" + sig)
    reply2 = reply1 + field.getvalue()     # key id 7, 72 bytes of signature
    assert len(sig) == 72 and len(reply2) == ntp.MAX_REPLY + signed.MAX_EXTRA
    assert signed.parse_signature(reply1, reply2) == (7, sig)


def test_kiss_codes_and_unsynchronized_server():
    # What an authenticated reply means (nts.reply.judge, which the associations apply).
    # RFC 5905 7.4 / RFC 8633: RATE backs off, DENY and RSTR end the association, any
    # other code (INIT, STEP, garbage) only drops the packet.
    from nts import reply
    t4 = T1 + SEC
    for code, want in ((b"RATE", reply.RATE), (b"DENY", reply.DENY), (b"RSTR", reply.DENY),
                       (b"INIT", reply.DROP), (b"STEP", reply.DROP),
                       (b"\x00\xff\x01\x02", reply.DROP)):
        data, req = new_request()
        resp = ntp.verify_response(req, server_answer(data, S2C, stratum=0, kiss=code))
        o = reply.judge(resp.header, T1, t4)
        assert o.kind == want, (code, o.kind)
    assert o.reason == "kiss code ???? ignored"             # garbage shown printable
    # Authenticated but unsynchronized: a definite answer, reported as such.
    for kw in ({"leap": 3}, {"stratum": 16}, {"zero_ts": True}):
        data, req = new_request()
        o = reply.judge(ntp.verify_response(req, server_answer(data, S2C, **kw)).header, T1, t4)
        assert o.kind == reply.UNSYNC and "server unsynchronized" in o.reason, (kw, o.reason)
    data, req = new_request()
    o = reply.judge(ntp.verify_response(req, server_answer(data, S2C, t2=t4, t3=t4)).header,
                    T1, t4)
    assert o.kind == reply.SAMPLE and o.sample.offset == SEC // 2


def test_signed_request_field_before_the_authenticator():
    from nts import signed      # 0xFF00 (signed responses, issue 12)
    key = (7, bytes(65))
    data, _ = ntp.build_request(15, C2S, S2C, b"c" * 40, 0, T1,
                                extra=signed.request_fields(key))
    _, fields = ntp.parse_packet(data)
    assert [f[0] for f in fields][-2:] == [0xFF00, ntp.EF_AUTHENTICATOR]
    assert fields[-2][1] == b"\x00\x07" + bytes(10)     # 16 bytes with type and length
    assert signed.request_fields(None) == ()    # no key, no field (NTPsec drops them)
