"""Hypothesis fuzzing of every NTS parser, plus a wire cross-check against `cryptography`.

For each parser: random and mutated input only ever raises our typed errors (NTSError
subclasses: no IndexError, no hang), and parse -> build -> parse is stable. Each fuzz
target runs FUZZ_EXAMPLES examples (10,000 by default; NTS_FUZZ_EXAMPLES overrides).

The cross-check decodes our requests with an independent decoder written here (struct +
cryptography's AESSIV / AESGCMSIV) and verifies server answers built the same way with
our verifier, so a symmetric mistake in our codec and our test double cannot hide.
"""
import os
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV, AESSIV
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nts import ke, ntp, reply, timescale
from nts.association import ACTION_KEY_EXCHANGE, ACTION_QUERY, NTSAssociation
from nts.errors import AuthError, NTSError

FUZZ_EXAMPLES = int(os.environ.get("NTS_FUZZ_EXAMPLES", "10000"))
fuzz = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

T1 = timescale.from_unix(1764115200)
KEYS = {15: (bytes(range(32)), bytes(range(32, 64))), 30: (bytes(range(16)), bytes(range(16, 32)))}


# ---- independent encoders/decoders (struct + cryptography, no firmware code) ----------

def oracle_seal(aead, key, nonce, plaintext, ad):
    if aead == 15:
        return AESSIV(key).encrypt(plaintext, [ad, nonce])
    return AESGCMSIV(key).encrypt(nonce, plaintext, ad)


def oracle_open(aead, key, nonce, ciphertext, ad):
    if aead == 15:
        return AESSIV(key).decrypt(ciphertext, [ad, nonce])
    return AESGCMSIV(key).decrypt(nonce, ciphertext, ad)


def oracle_ef(ftype, body):
    length = max(16, (4 + len(body) + 3) // 4 * 4)
    return struct.pack(">HH", ftype, length) + body + bytes(length - 4 - len(body))


def oracle_fields(data, pos):
    out = []
    while pos < len(data):
        ftype, length = struct.unpack_from(">HH", data, pos)
        assert length >= 16 and length % 4 == 0 and pos + length <= len(data)
        out.append((ftype, data[pos + 4:pos + length], pos))
        pos += length
    return out


def oracle_answer(request, aead, s2c, cookies, t2, t3, kiss=None):
    """A server answer to request bytes, from the RFC text alone."""
    xmit = request[40:48]
    fields = oracle_fields(request, 48)
    uid = [b for t, b, _ in fields if t == 0x0104][0]
    stratum, refid = (0, kiss) if kiss else (1, b"GPS\x00")
    hdr = struct.pack(">BBbbII4s8s8sQQ", (0 << 6) | (4 << 3) | 4, stratum, 4, -20,
                      0x100, 0x200, refid, bytes(8), xmit,
                      timescale.to_ntp64(t2), timescale.to_ntp64(t3))
    ad = hdr + oracle_ef(0x0104, uid)
    if kiss == b"NTSN":
        return ad
    plaintext = b"".join(oracle_ef(0x0204, c) for c in cookies)
    nonce = os.urandom(16 if aead == 15 else 12)
    ct = oracle_seal(aead, s2c, nonce, plaintext, ad)
    body = struct.pack(">HH", len(nonce), len(ct)) + nonce + ct
    body += bytes((-len(body)) % 4)
    return ad + oracle_ef(0x0404, body)


def request_for(aead=15, cookie=b"K" * 100, placeholders=3):
    c2s, s2c = KEYS[aead]
    return ntp.build_request(aead, c2s, s2c, cookie, placeholders, T1)


# ---- cross-checks ----------------------------------------------------------------------

def test_request_decodes_and_verifies_with_independent_code():
    for aead in (15, 30):
        cookie = os.urandom(104)
        data, req = request_for(aead, cookie, 4)
        assert data[0] == 0x23 and data[1:40] == bytes(39)       # v4 client, fields zero
        fields = oracle_fields(data, 48)
        assert [t for t, _, _ in fields] == [0x104, 0x204] + [0x304] * 4 + [0x404]
        assert fields[0][1] == req.uid and len(req.uid) == 32 and fields[1][1] == cookie
        assert all(b == bytes(104) for t, b, _ in fields if t == 0x304)
        auth_type, body, start = fields[-1]
        nlen, clen = struct.unpack_from(">HH", body)
        nonce = body[4:4 + nlen]
        ct = body[4 + (nlen + 3) // 4 * 4:][:clen]
        assert nlen == (16 if aead == 15 else 12) and clen == 16
        assert oracle_open(aead, KEYS[aead][0], nonce, ct, data[:start]) == b""


def test_independent_answers_verify_with_our_code():
    for aead in (15, 30):
        data, req = request_for(aead)
        cookies = [os.urandom(100) for _ in range(4)]
        t2 = T1 + 3 * 10**9
        answer = oracle_answer(data, aead, KEYS[aead][1], cookies, t2, t2 + 5000)
        resp = ntp.verify_response(req, answer)
        assert resp.cookies == cookies and resp.header.stratum == 1
        assert timescale.from_ntp64(resp.header.recv_ts, T1) == t2


def test_independent_nak_and_tampering():
    data, req = request_for(15)
    answer = bytearray(oracle_answer(data, 15, KEYS[15][1], [b"c" * 100], T1, T1))
    answer[-1] ^= 1
    try:
        ntp.verify_response(req, bytes(answer))
        raise AssertionError("tampered answer accepted")
    except AuthError:
        pass
    nak = oracle_answer(data, 15, KEYS[15][1], [], T1, T1, kiss=b"NTSN")
    assert ntp.verify_response(req, nak).nak


def test_chrony_alternate_keys_with_aes_gcm_siv():
    # AEAD 30 without record 1024: legacy keys first, compliant ones after the first NAK.
    compliant = {b"\x00\x00\x00\x1e\x00": b"C" * 16, b"\x00\x00\x00\x1e\x01": b"D" * 16}
    legacy = {b"\x00\x00\x00\x0f\x00": b"L" * 16, b"\x00\x00\x00\x0f\x01": b"M" * 16}
    table = {**compliant, **legacy}
    response = ke.build_records([(True, 1, b"\x00\x00"), (True, 4, b"\x00\x1e"),
                                 (False, 5, b"k" * 100), (False, 5, b"j" * 100),
                                 (True, 0, b"")])
    res = ke.parse_response(response, (15, 30)).derive_keys(
        lambda label, context, length: table[context][:length])
    assoc = NTSAssociation(res)
    data, req = assoc.make_request(T1)
    fields = oracle_fields(data, 48)
    body = fields[-1][1]
    assert oracle_open(30, b"L" * 16, body[4:16], body[16:32], data[:fields[-1][2]]) == b""
    o = assoc.receive(req, oracle_answer(data, 30, b"D" * 16, [], T1, T1, b"NTSN"), T1 + 1000)
    assert o.kind == reply.NAK
    assert assoc.switched_keys and assoc.action() == ACTION_QUERY
    data, req = assoc.make_request(T1)
    answer = oracle_answer(data, 30, b"D" * 16, [b"n" * 100] * 2, T1 + 10**6, T1 + 10**6)
    o = assoc.receive(req, answer, T1 + 2 * 10**6)
    assert o.kind == reply.SAMPLE
    sample = o.sample
    assert sample.delay == 2 * 10**6 and abs(sample.offset) <= 1
    assert len(assoc.cookies) == 2
    data, req = assoc.make_request(T1)
    o = assoc.receive(req, oracle_answer(data, 30, b"D" * 16, [], T1, T1, b"NTSN"), T1 + 1000)
    assert o.kind == reply.NAK
    assert assoc.action() == ACTION_KEY_EXCHANGE


# ---- fuzz targets -----------------------------------------------------------------------

def only_typed_errors(fn, *args):
    try:
        return fn(*args)
    except NTSError:
        return None


record = st.tuples(st.booleans(), st.integers(1, 0x7FFF), st.binary(max_size=40))
records = st.lists(record, max_size=12).map(lambda rs: rs + [(True, 0, b"")])


@fuzz
@given(st.binary(max_size=300))
def test_fuzz_ke_records_random(data):
    recs = only_typed_errors(ke.parse_records, data)
    if recs is not None:
        assert ke.build_records(recs) == data
        assert ke.ResponseBuffer().feed(data)


@fuzz
@given(records)
def test_fuzz_ke_records_roundtrip(recs):
    data = ke.build_records(recs)
    assert ke.parse_records(data) == recs
    assert ke.parse_records(ke.build_records(ke.parse_records(data))) == recs


def mutate(data, edits):
    buf = bytearray(data)
    for kind, pos, val in edits:
        if not buf:
            buf.append(val)
            continue
        pos %= len(buf)
        if kind == 0:
            buf[pos] = val
        elif kind == 1:
            del buf[pos]
        elif kind == 2:
            buf.insert(pos, val)
        else:
            del buf[pos:]
    return bytes(buf)


edits = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 16), st.integers(0, 255)),
                 min_size=1, max_size=4)
KE_GOOD = ke.build_records([(True, 1, b"\x00\x00"), (True, 4, b"\x00\x0f"),
                            (False, 5, b"c" * 64), (True, 6, b"ntp.example"),
                            (True, 7, b"\x01\x7b"), (False, 1024, b""),
                            (False, 5, b"d" * 64),
                            (False, 16385, b"\x00\x07\x00\x41\x04" + bytes(range(64))),
                            (True, 0, b"")])


def ke_fields(res):
    return (res.aead, res.cookies, res.ntp_server, res.ntp_port, res.compliant_128gcm,
            res.signing_key)


def rebuild_ke(res):
    recs = [(True, 1, b"\x00\x00"), (True, 4, struct.pack(">H", res.aead))]
    recs += [(False, 5, c) for c in res.cookies]
    if res.ntp_server is not None:
        recs.append((True, 6, res.ntp_server.encode()))
    recs.append((True, 7, struct.pack(">H", res.ntp_port)))
    if res.compliant_128gcm:
        recs.append((False, 1024, b""))
    if res.signing_key is not None:
        key_id, point = res.signing_key
        recs.append((False, 16385, struct.pack(">HH", key_id, len(point)) + point))
    return ke.build_records(recs + [(True, 0, b"")])


@fuzz
@given(edits)
def test_fuzz_ke_response_mutated(e):
    data = mutate(KE_GOOD, e)
    res = only_typed_errors(ke.parse_response, data, (15, 30))
    if res is not None:
        assert 1 <= len(res.cookies) <= 8 and res.aead in (15, 30)
        assert ke_fields(ke.parse_response(rebuild_ke(res), (15, 30))) == ke_fields(res)


@fuzz
@given(records, st.lists(st.integers(1, 50), max_size=8))
def test_fuzz_ke_response_records_and_chunking(recs, cuts):
    data = ke.build_records(recs)
    res = only_typed_errors(ke.parse_response, data, (15, 30))
    if res is not None:
        assert ke_fields(ke.parse_response(rebuild_ke(res), (15, 30))) == ke_fields(res)
    buf = ke.ResponseBuffer()
    pos = 0
    for n in cuts:
        chunk = data[pos:pos + n]
        pos += len(chunk)
        assert buf.feed(chunk) == (pos == len(data))
    assert buf.feed(data[pos:])
    assert bytes(buf.data) == data


def encode_packet(header, fields):
    # parse -> build -> parse: the firmware builds packets field by field (build_request)
    w = header.encode()
    for ftype, body in fields:
        ntp.encode_extension_field(ftype, body, w)
    return w.getvalue()


packet = st.builds(
    lambda hdr, efs: encode_packet(ntp.Header(*hdr), efs),
    st.tuples(st.integers(0, 3), st.integers(0, 7), st.integers(0, 7), st.integers(0, 255),
              st.integers(-128, 127), st.integers(-128, 127), st.integers(0, 2**32 - 1),
              st.integers(0, 2**32 - 1), st.binary(min_size=4, max_size=4),
              st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1),
              st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
    st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=60)), max_size=5))


def reencode(parsed):
    header, fields = parsed
    return encode_packet(header, [(t, b) for t, b, _ in fields])


@fuzz
@given(st.one_of(st.binary(max_size=200), packet), edits)
def test_fuzz_ntp_packet(data, e):
    for d in (data, mutate(data, e)):
        parsed = only_typed_errors(ntp.parse_packet, d)
        if parsed is not None:
            assert reencode(parsed) == d
            again = ntp.parse_packet(reencode(parsed))
            assert vars(again[0]) == vars(parsed[0]) and again[1] == parsed[1]


SIGNED_R1 = encode_packet(ntp.Header(mode=4), [(0xFF01, b"\x80"), (0x0404, bytes(36))])


@fuzz
@given(st.binary(max_size=120), edits)
def test_fuzz_signed_reply_2(tail, e):
    # nts.signed: whatever follows reply 1 (random, or a mutated good 0xFF02) only ever
    # raises SignatureError, and what parses rebuilds to the same bytes.
    from nts import signed
    from nts.errors import SignatureError
    good = ntp.encode_extension_field(0xFF02, b"\x00\x07\x00\x46" + bytes(70)).getvalue()
    for t in (tail, mutate(good, e)):
        try:
            key_id, sig = signed.parse_signature(SIGNED_R1, SIGNED_R1 + t)
        except SignatureError:
            continue
        body = struct.pack(">HH", key_id, len(sig)) + sig
        assert ntp.encode_extension_field(0xFF02, body).getvalue() == t
    assert only_typed_errors(signed.announced, mutate(SIGNED_R1, e)) in (None, True, False)


@fuzz
@given(st.binary(max_size=80), st.binary(min_size=1, max_size=40),
       st.binary(min_size=16, max_size=60))
def test_fuzz_authenticator(data, nonce, ct):
    parsed = only_typed_errors(ntp.parse_authenticator, data)
    if parsed is not None:
        assert ntp.parse_authenticator(ntp.encode_authenticator(*parsed)) == parsed
    assert ntp.parse_authenticator(ntp.encode_authenticator(nonce, ct)) == (nonce, ct)


@fuzz
@given(st.integers(0, 2**64 * 3), st.integers(-(2**31 - 1) * 10**9, (2**31 - 1) * 10**9))
def test_fuzz_timescale_unfold(t, delta):
    pivot = t + delta
    if pivot >= 0:
        assert timescale.from_ntp64(timescale.to_ntp64(t), pivot) == t


# Verification is the expensive target (an AEAD per example): one request, many answers.
VERIFY_AEAD = 15
_vdata, _ = request_for(VERIFY_AEAD)
_vgood = oracle_answer(_vdata, VERIFY_AEAD, KEYS[VERIFY_AEAD][1], [b"q" * 100] * 2,
                       T1, T1 + 1000)


def fresh_request():
    # The same UID/transmit timestamp as _vdata, unanswered.
    _, fields = ntp.parse_packet(_vdata)
    return ntp.Request(VERIFY_AEAD, KEYS[VERIFY_AEAD][1], fields[0][1],
                       ntp.parse_packet(_vdata)[0].xmit_ts, T1)


def test_verify_fixture_is_good():
    assert len(ntp.verify_response(fresh_request(), _vgood).cookies) == 2


@fuzz
@given(edits)
def test_fuzz_verify_mutated_answers_are_rejected(e):
    data = mutate(_vgood, e)
    req = fresh_request()
    try:
        ntp.verify_response(req, data)
    except NTSError:
        assert not req.answered
        return
    assert data == _vgood          # a mutation was a no-op (e.g. a byte set to itself)


class _FuzzKE:
    aead = 15
    c2s, s2c = KEYS[15]
    alt_c2s = alt_s2c = None
    ntp_server = None
    ntp_port = 123
    cookies = [b"z" * 100] * 8


_assoc = NTSAssociation(_FuzzKE())
_adata, _areq = _assoc.make_request(T1)


@fuzz
@given(st.binary(max_size=400))
def test_fuzz_association_random_datagrams(data):
    # One association and request (building one costs an AEAD); nothing random passes,
    # so neither changes between examples.
    req = ntp.Request(_areq.aead, _areq.s2c, _areq.uid, _areq.xmit_ts, T1)
    assert _assoc.receive(req, data, T1 + 1000).kind == reply.DROP, "random datagram accepted"
    assert _assoc.action() == ACTION_QUERY
