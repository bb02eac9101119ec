# Signed responses (nts.signed; the white paper's vendor extension as Norn implements it):
# NTS-KE records 16384/16385 (nts.ke), the 0xFF00 request field, the 0xFF01 announcement
# (byte 0 compared with 0x80 exactly), reply 2 = reply 1 + 0xFF02 (prefix, one field,
# zero padding), ECDSA P-256 SHA-256 over reply 1 (a vector signed by `cryptography`).
# The engine side: test_signed_settle; the persisted key: test_state; the 0xFF00 field
# in a built request: test_nts_exchange.
from nts.crypto import ec  # noqa: F401  first: the curve code needs the least fragmented heap
from nts import ke, ntp, signed, slices
from nts.errors import KEError, SignatureError
from support import h, raises

# A key derived by cryptography from d = 0x1234...cdef; REPLY1 an NTS-shaped reply with
# 0xFF01 (0x80) before a dummy Authenticator; SIG its DER ECDSA-P256-SHA256 signature.
POINT = h("04471c3e758c4904285bba7e53118ed0f524adeb0757d25bd2f8e7b0d76dfa714cdd520f7aca8a8b"
          "917acc37f51de8f0c9bbe3ad858382e702dc25a12d09f7a858")
REPLY1 = h("2401000000000000000000000000000000000000000000001122334455667788000000000000000500"
           "00000000000006010400240101010101010101010101010101010101010101010101010101010101"
           "010101ff01001080000000000000000000000004040028001000100202020202020202020202020202"
           "020202020202020202020202020202020202")
SIG = h("3045022100fc480205341036494b8cd1d5bf0a081ef06df0a7ebd9c10d6f80dfaf32b206fa022078d8"
        "42f5aad9a9f79ddf228a44d1c80773b744e935437ca13bc713326cc2c645")
KEY = (7, POINT)


def _field(key_id, sig, ftype=0xFF02):
    body = bytes((key_id >> 8, key_id & 0xFF, len(sig) >> 8, len(sig) & 0xFF)) + sig
    return ntp.encode_extension_field(ftype, body).getvalue()


def _verify(reply1, key_id, sig, key):
    return slices.run(signed.verify_steps(reply1, key_id, sig, key))


# --- NTS-KE -------------------------------------------------------------------------------

def test_ke_request_asks_for_the_key_only_when_signed():
    plain = ke.parse_records(ke.build_request((15,)))
    asked = ke.parse_records(ke.build_request((15,), True))
    assert (False, 16384, b"") in asked and (False, 16384, b"") not in plain
    assert asked[-1] == (True, 0, b"")      # End of Message stays last


def _response(*extra):
    recs = [(True, 1, b"\x00\x00"), (True, 4, b"\x00\x0f"), (False, 5, b"c" * 40)]
    return ke.build_records(recs + list(extra) + [(True, 0, b"")])


def test_ke_public_key_record_after_the_cookies():
    body = b"\x00\x07\x00\x41" + POINT
    res = ke.parse_response(_response((False, 16385, body)), (15,))
    assert res.signing_key == (7, POINT)
    assert ke.parse_response(_response(), (15,)).signing_key is None


def test_ke_public_key_record_malformed():
    for body in (b"", b"\x00\x07\x00\x41" + POINT[:-1], b"\x00\x07\x00\x40" + POINT[:-1],
                 b"\x00\x07\x00\x41" + b"\x02" + POINT[1:], b"\x00\x07\x00\x41" + POINT + b"\x00"):
        raises(KEError, ke.parse_response, _response((False, 16385, body)), (15,))
    rec = (False, 16385, b"\x00\x07\x00\x41" + POINT)
    e = raises(KEError, ke.parse_response, _response(rec, rec), (15,))
    assert "duplicate" in str(e)


# --- NTP fields ---------------------------------------------------------------------------

def _reply_with(announce):
    fields = [(0x0104, b"\x01" * 32)]
    if announce is not None:
        fields.append((0xFF01, announce))
    fields.append((0x0404, b"\x00\x10\x00\x10" + b"\x02" * 32))
    w = ntp.Header(mode=4).encode()
    for ftype, body in fields:
        ntp.encode_extension_field(ftype, body, w)
    return w.getvalue()


def test_announcement_byte_0_is_0x80_exactly():
    assert signed.announced(REPLY1)
    assert signed.announced(_reply_with(b"\x80"))
    for body in (b"\x81", b"\x00", b"\x40", b"\xff"):
        assert not signed.announced(_reply_with(body)), body
    assert not signed.announced(_reply_with(None))


def test_reply_2_must_be_reply_1_plus_one_signature_field():
    good = REPLY1 + _field(7, SIG)
    assert signed.parse_signature(REPLY1, good) == (7, SIG)
    changed = REPLY1[:20] + b"\xee" + REPLY1[21:] + _field(7, SIG)
    bad = [REPLY1, REPLY1[:-4], changed,
           REPLY1 + _field(7, SIG) + _field(7, SIG),            # two fields
           REPLY1 + _field(7, SIG, 0xFF03),                     # another type
           REPLY1 + _field(7, SIG)[:-1],                        # truncated
           REPLY1 + _field(7, SIG[:-1])[:-1] + b"\x01",         # padding not zero
           REPLY1 + ntp.encode_extension_field(                 # padding past 4
               0xFF02, b"\x00\x07\x00\x47" + SIG + bytes(4)).getvalue()]
    for data in bad:
        raises(SignatureError, signed.parse_signature, REPLY1, data)


def test_signature_verifies_over_all_of_reply_1():
    _verify(REPLY1, 7, SIG, KEY)
    e = raises(SignatureError, _verify, REPLY1[:-1] + b"\x03", 7, SIG, KEY)
    assert "mismatch" in str(e)
    e = raises(SignatureError, _verify, REPLY1, 8, SIG, KEY)
    assert "key id 8" in str(e)
    e = raises(SignatureError, _verify, REPLY1, 7, SIG, None)
    assert "no public key" in str(e)
    raises(SignatureError, _verify, REPLY1, 7, SIG[:-1], KEY)        # DER broken
    raises(SignatureError, _verify, REPLY1, 7, SIG, (7, POINT[:-1] + b"\x00"))  # off curve


def test_verification_runs_in_slices():
    steps = signed.verify_steps(REPLY1, 7, SIG, KEY)
    n = 0
    while True:
        try:
            next(steps)
            n += 1
        except StopIteration:
            break
    assert n > 10, n
