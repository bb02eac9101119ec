# Signed responses (nts.signed; the white paper's vendor extension as Norn implements it):
# NTS-KE records 16384/16385 (nts.ke), the persisted key (nts.state), the 0xFF00 request
# field, the 0xFF01 announcement (byte 0 compared with 0x80 exactly), reply 2 = reply 1 +
# 0xFF02 (prefix, one field, zero padding), ECDSA P-256 SHA-256 over reply 1 (a vector
# signed by `cryptography`), and the engine-side settle() with a fake endpoint.
from nts import ke, ntp, signed, slices
from nts import state as st
from nts.errors import KEError, SignatureError
from portability import run_loop
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


def test_state_keeps_the_signing_key_and_reads_version_1():
    s = st.ServerSession("ptb1", 15, b"\x11" * 32, b"\x22" * 32, [b"\x33" * 100], "", 123, 5,
                         KEY)
    plain = st.ServerSession("ptb2", 15, b"\x11" * 32, b"\x22" * 32, [b"\x33" * 100])
    back = st.decode(st.encode(st.State(b"d" * 16, 1, True, {"ptb1": s, "ptb2": plain})))
    assert back.sessions["ptb1"].signing_key == KEY
    assert back.sessions["ptb2"].signing_key is None
    # A version 1 file (no key fields) from the firmware before: still loads.
    import hashlib
    from nts.wire import Writer
    body = Writer().u64(1).u8(1).u8(1)
    body.vector(1, b"ptb1").u64(5).u16(15).vector(1, b"").u16(123)
    body.vector(1, b"\x11" * 32).vector(1, b"\x22" * 32).u8(1).vector(2, b"\x33" * 100)
    w = Writer().put(b"NTSS").u8(1).put(b"d" * 16).vector(4, body.buf)
    w.put(hashlib.sha256(w.buf).digest()[:16])
    old = st.decode(w.getvalue())
    assert old.sessions["ptb1"].signing_key is None and old.sessions["ptb1"].cookies


# --- NTP fields ---------------------------------------------------------------------------

def test_request_field_before_the_authenticator():
    (ftype, body), = signed.request_fields(KEY)
    data, _ = ntp.build_request(15, b"\x01" * 32, b"\x02" * 32, b"c" * 40, 0, 0,
                                extra=signed.request_fields(KEY))
    _, fields = ntp.parse_packet(data)
    assert [f[0] for f in fields][-2:] == [0xFF00, ntp.EF_AUTHENTICATOR]
    assert fields[-2][1] == b"\x00\x07" + bytes(10)     # 16 bytes with type and length
    assert signed.request_fields(None) == ()    # no key, no field (NTPsec drops them)


def _reply_with(announce):
    fields = [(0x0104, b"\x01" * 32)]
    if announce is not None:
        fields.append((0xFF01, announce))
    fields.append((0x0404, b"\x00\x10\x00\x10" + b"\x02" * 32))
    return ntp.encode_packet(ntp.Header(mode=4), fields)


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
           REPLY1 + _field(7, SIG[:-1])[:-1] + b"\x01"]         # padding not zero
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


# --- settle: the engine's side, with a fake endpoint ---------------------------------------

class _Cfg:
    MaxInterval = 60

    def ke_host(self):
        return "ptb.example"


class _Assoc:
    signing_key = KEY


class _Sample:
    time = 0.0
    delay = 0.01
    offset = 0.0


class _Peer:
    def __init__(self):
        self.name = "ptb1"
        self.cfg = _Cfg()
        self.assoc = _Assoc()
        self.samples = [_Sample()]


class _Endpoint:
    def __init__(self, datagrams):
        self.datagrams = list(datagrams)

    async def recv(self, timeout):
        import asyncio
        if not self.datagrams:
            await asyncio.sleep(min(timeout, 0.05))
            raise asyncio.TimeoutError()
        return self.datagrams.pop(0)


def _settle(p, datagrams, reply1=REPLY1):
    return run_loop(signed.settle(p, _Endpoint(datagrams), reply1, 0.2, lambda: 42))


def test_settle_verified_keeps_evidence():
    p = _Peer()
    events = _settle(p, [REPLY1, b"junk", REPLY1 + _field(7, SIG)])
    assert events == [] and p.signature == "verified"
    ev = p.samples[0].evidence
    assert ev["key_id"] == 7 and ev["status"] == "verified" and ev["server"] == "ptb1"
    assert h(ev["signature"]) == SIG and h(ev["key"]) == POINT and h(ev["response"]) == REPLY1


def test_settle_unsigned_waits_for_nothing():
    p = _Peer()
    assert _settle(p, [], _reply_with(None)) == [] and p.signature == "unsigned"
    assert _settle(p, [], _reply_with(b"\x81")) == [] and p.signature == "unsigned"
    assert not hasattr(p.samples[0], "evidence") and p.samples[0].signature == "unsigned"


def test_settle_failures_keep_the_sample_and_log_once():
    p = _Peer()
    cases = (([], "did not arrive"), ([b"junk"], "not the first plus"),
             ([REPLY1 + _field(8, SIG)], "key id 8"),
             ([REPLY1 + _field(7, SIG[:-2] + b"\x00\x01")], "mismatch"))
    for datagrams, reason in cases:
        events = _settle(p, datagrams)
        assert p.signature.startswith("invalid: ") and reason in p.signature, p.signature
        assert len(events) == 1 and events[0]["event"] == "SignedResponseInvalid"
        assert events[0]["log"] == "security" and events[0]["subject"] == "ptb1"
        assert events[0]["time_ns"] == 42
        assert len(p.samples) == 1 and not hasattr(p.samples[0], "evidence")
    assert _settle(p, [REPLY1 + _field(7, SIG[:-2] + b"\x00\x01")]) == []  # same reason


def test_evidence_event_names_the_samples_a_change_rests_on():
    from nts.policy import Decision
    from nts.selection import Selection
    a, b = _Peer(), _Peer()
    b.name = "ptb2"
    _settle(a, [REPLY1 + _field(7, SIG)])
    b.samples[0].signature = "invalid: p256: ECDSA signature mismatch"
    b.signature = "verified"        # a later round's verdict: not the sample's
    adjusted = {"event": "ClockAdjusted", "group": "legal", "kind": "step", "old_ns": 1,
                "new_ns": 5, "offset": 4e-9, "sources": ["ptb1", "ptb2"]}
    d = Decision("step", 4, [adjusted])
    sel = Selection(True, 4e-9, 0, 1e-8, ["ptb1", "ptb2"], {})
    e = signed.evidence_event(d, sel, {"ptb1": a, "ptb2": b}, 1.0)
    assert e["event"] == "SignedTimeEvidence" and e["log"] == "metrological"
    assert (e["group"], e["kind"], e["old_ns"], e["new_ns"]) == ("legal", "step", 1, 5)
    first, second = e["responses"]
    assert first["status"] == "verified" and h(first["response"]) == REPLY1
    assert second == {"server": "ptb2", "host": "ptb.example",
                      "status": "invalid: p256: ECDSA signature mismatch"}
    # A sample older than 2 * MaxInterval is not what the filter uses: no evidence from it.
    e = signed.evidence_event(d, sel, {"ptb1": a, "ptb2": b}, 1000.0)
    assert e["responses"][0] == {"server": "ptb1", "host": "ptb.example", "status": "unsigned"}
