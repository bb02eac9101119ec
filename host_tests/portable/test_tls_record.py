# TLS 1.3 record layer (RFC 8446 section 5): RFC 8448 section 3 records decrypt and
# encrypt byte for byte; fragmented and coalesced handshake messages are reassembled;
# sizes are bounded from the header; bad tags, stray ChangeCipherSpec and alerts end in
# typed errors.
from nts import slices
from nts.crypto.gcm import AESGCM
from nts.errors import AuthError, ParseError, TLSAlert, TLSError
from nts.tls import record
from nts.tls.record import HandshakeBuffer, RecordLayer
from support import SkipTest, raises
import rfc8448 as v     # after the code modules: compiling them needs the larger free blocks


def _server_reader():
    r = RecordLayer()
    r.set_read_key(v.S_HS_KEY, v.S_HS_IV)
    return r


def test_rfc8448_server_flight_decrypts():
    r = _server_reader()
    r.feed(v.SERVER_FLIGHT_RECORD)
    assert r.next_record() == (record.HANDSHAKE, v.SERVER_FLIGHT)
    assert r.next_record() is None and r.buffered() == 0


def test_rfc8448_client_finished_encrypts():
    w = RecordLayer()
    w.set_write_key(v.C_HS_KEY, v.C_HS_IV)
    fin = b"\x14\x00\x00\x20" + v.C_FINISHED
    assert w.seal(record.HANDSHAKE, fin) == v.CLIENT_FINISHED_RECORD


def test_record_split_across_reads():
    r = _server_reader()
    rec = v.SERVER_FLIGHT_RECORD
    for i in range(0, len(rec) - 1, 97):
        r.feed(rec[i:i + 97] if i + 97 < len(rec) else rec[i:-1])
        assert r.next_record() is None
    r.feed(rec[-1:])
    assert r.next_record() == (record.HANDSHAKE, v.SERVER_FLIGHT)


def test_handshake_messages_coalesced_and_fragmented():
    expected = v.split_flight()
    hb = HandshakeBuffer()
    hb.add(v.SERVER_FLIGHT)                 # four messages in one record
    got = []
    while True:
        msg = hb.next_message()
        if msg is None:
            break
        got.append(msg[2])
        assert msg[1] == msg[2][4:]
    assert got == expected and hb.empty()
    # One byte per record: each message completes exactly once.
    hb = HandshakeBuffer()
    got = []
    for i in range(len(v.SERVER_FLIGHT)):
        hb.add(v.SERVER_FLIGHT[i:i + 1])
        msg = hb.next_message()
        if msg is not None:
            got.append(msg[2])
    assert got == expected


def test_plaintext_records_coalesced_in_one_read():
    r = RecordLayer()
    w = RecordLayer()
    r.feed(w.seal(record.HANDSHAKE, b"abc") + w.seal(record.HANDSHAKE, b"de"))
    assert r.next_record() == (record.HANDSHAKE, b"abc")
    assert r.next_record() == (record.HANDSHAKE, b"de")
    assert r.next_record() is None


def test_seal_fragments_at_the_record_limit():
    # A maximal record needs 16 KB blocks: a 100 KB heap holding the code as well (a
    # bundle of .mpy files) has none left; frozen firmware with 100 KB free does.
    import gc
    if hasattr(gc, "mem_free") and gc.mem_free() < 60000:
        raise SkipTest("needs a larger heap for 16 KB records")
    out = RecordLayer().seal(record.APPLICATION_DATA, bytes(record.MAX_PLAINTEXT + 10))
    assert len(out) == record.MAX_PLAINTEXT + 20
    r = RecordLayer()
    r.feed(out)
    out = None
    ctype, content = r.next_record()
    assert ctype == record.APPLICATION_DATA and len(content) == record.MAX_PLAINTEXT
    assert not any(content)
    content = None
    assert r.next_record() == (record.APPLICATION_DATA, bytes(10))


def test_size_bounds_checked_from_the_header():
    n = record.MAX_PLAINTEXT + 1
    r = RecordLayer()
    r.feed(bytes((22, 3, 3, n >> 8, n & 0xFF)))
    raises(TLSError, r.next_record)
    n = record.MAX_CIPHERTEXT + 1
    r = _server_reader()
    r.feed(bytes((23, 3, 3, n >> 8, n & 0xFF)))
    raises(TLSError, r.next_record)
    hb = HandshakeBuffer()
    n = record.MAX_HANDSHAKE_MESSAGE + 1
    hb.add(bytes((11, n >> 16, (n >> 8) & 0xFF, n & 0xFF)))
    raises(TLSError, hb.next_message)


def test_bad_tag_and_reordering_are_auth_errors():
    bad = bytearray(v.SERVER_FLIGHT_RECORD)
    bad[100] ^= 1
    r = _server_reader()
    r.feed(bytes(bad))
    raises(AuthError, r.next_record)
    w = RecordLayer()
    w.set_write_key(v.C_AP_KEY, v.C_AP_IV)
    first = w.seal(record.APPLICATION_DATA, b"one")
    second = w.seal(record.APPLICATION_DATA, b"two")
    r = RecordLayer()
    r.set_read_key(v.C_AP_KEY, v.C_AP_IV)
    r.feed(second + first)
    raises(AuthError, r.next_record)


def test_deferred_tags_are_checked_later_even_after_a_key_change():
    # The server's handshake flight: decrypted at once, tags checked by
    # check_deferred_tags_steps(), also once the application read key has replaced it.
    w = RecordLayer()
    w.set_write_key(v.S_HS_KEY, v.S_HS_IV)
    good = w.seal(record.HANDSHAKE, b"\x08\x00\x00\x00")
    bad = bytearray(w.seal(record.HANDSHAKE, b"\x14\x00\x00\x00"))
    bad[-1] ^= 1                                   # a tag byte
    for flight, ok in ((good, True), (good + bytes(bad), False)):
        r = RecordLayer()
        r.set_read_key(v.S_HS_KEY, v.S_HS_IV, defer_tags=True)
        r.feed(flight)
        while r.next_record() is not None:
            pass
        r.set_read_key(v.S_AP_KEY, v.S_AP_IV)
        if ok:
            slices.run(r.check_deferred_tags_steps())
        else:
            raises(AuthError, slices.run, r.check_deferred_tags_steps())
    # Without defer_tags the same record is refused at once.
    r = RecordLayer()
    r.set_read_key(v.S_HS_KEY, v.S_HS_IV)
    r.feed(bytes(bad))
    raises(AuthError, r.next_record)


def test_protected_roundtrip_and_padding():
    w = RecordLayer()
    w.set_write_key(v.C_AP_KEY, v.C_AP_IV)
    r = RecordLayer()
    r.set_read_key(v.C_AP_KEY, v.C_AP_IV)
    r.feed(w.seal(record.APPLICATION_DATA, b"hello") + w.seal(record.APPLICATION_DATA, b""))
    assert r.next_record() == (record.APPLICATION_DATA, b"hello")
    assert r.next_record() == (record.APPLICATION_DATA, b"")
    # A padded inner plaintext (RFC 8446 5.4) loses its zeros; all zeros has no type.
    g = AESGCM(v.S_AP_KEY)
    for inner, ok in ((b"data\x17\x00\x00\x00", True), (b"\x00\x00\x00", False)):
        n = len(inner) + 16
        header = bytes((23, 3, 3, 0, n))
        r = RecordLayer()
        r.set_read_key(v.S_AP_KEY, v.S_AP_IV)
        r.feed(header + g.encrypt(v.S_AP_IV, inner, header))     # sequence 0: nonce = iv
        if ok:
            assert r.next_record() == (record.APPLICATION_DATA, b"data")
        else:
            raises(TLSError, r.next_record)


def test_change_cipher_spec_only_where_allowed():
    ccs = b"\x14\x03\x03\x00\x01\x01"
    r = RecordLayer()
    r.feed(ccs)
    raises(TLSError, r.next_record)
    r = RecordLayer()
    r.accept_ccs = True
    r.feed(ccs + b"\x16\x03\x03\x00\x01\x02")
    assert r.next_record() == (record.HANDSHAKE, b"\x02")
    r = RecordLayer()
    r.accept_ccs = True
    r.feed(b"\x14\x03\x03\x00\x01\x02")
    raises(TLSError, r.next_record)


def test_alerts():
    r = RecordLayer()
    r.feed(b"\x15\x03\x03\x00\x02\x02\x28")
    e = raises(TLSAlert, r.next_record)
    assert (e.level, e.description) == (2, 40)
    r = RecordLayer()
    r.feed(b"\x15\x03\x03\x00\x02\x01\x00")
    assert r.next_record() == (record.ALERT, b"")
    # Protected alert from a peer with keys.
    w = RecordLayer()
    w.set_write_key(v.S_AP_KEY, v.S_AP_IV)
    r = RecordLayer()
    r.set_read_key(v.S_AP_KEY, v.S_AP_IV)
    r.feed(w.seal(record.ALERT, record.alert(2, 120)))
    assert raises(TLSAlert, r.next_record).description == 120
    r = RecordLayer()
    r.feed(b"\x15\x03\x03\x00\x03\x02\x28\x00")
    raises(ParseError, r.next_record)


def test_garbage_and_policy_violations():
    r = RecordLayer()
    r.feed(b"HTTP/1.1 400 Bad Request\r\n")
    raises(ParseError, r.next_record)
    r = RecordLayer()
    r.feed(b"\x16\x03\x03\x00\x00")          # empty handshake record
    raises(TLSError, r.next_record)
    r = _server_reader()
    r.feed(b"\x16\x03\x03\x00\x01\x02")      # plaintext handshake after keys are set
    raises(TLSError, r.next_record)
    r = _server_reader()
    r.feed(b"\x17\x03\x03\x00\x10" + bytes(16))   # too short to carry a content type
    raises(TLSError, r.next_record)
