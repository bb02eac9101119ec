# Power-safe state: format round trip, corruption detection, atomic store, cookies
# consumed on load, binding to the configuration.
import os
import sys
from nts import state as st
from nts.errors import StateError
from support import raises

DIGEST = bytes(range(16))
OTHER = bytes(16)
DIR = "build"


def _file(state):
    return b"".join(st.encode(state))


def _path(name):
    try:
        os.mkdir(DIR)
    except OSError:
        pass
    return "%s/state_test_%s_%s.bin" % (DIR, sys.implementation.name, name)


def _state(n_cookies=8):
    s1 = st.ServerSession("ptb1", 15, b"\x11" * 32, b"\x22" * 32,
                          [bytes((i,)) * 100 for i in range(n_cookies)], "", 123, 1790000000)
    s2 = st.ServerSession("ptb2", 30, b"\x33" * 16, b"\x44" * 16, [b"\x55" * 64],
                          "ntp.example", 4123, 1790000100)
    return st.State(DIGEST, 1790000200 * 10 ** 9, True, {"ptb1": s1, "ptb2": s2})


def _same(a, b):
    assert (a.config_digest, a.last_good_ns, a.trusted) == (b.config_digest, b.last_good_ns, b.trusted)
    assert sorted(a.sessions) == sorted(b.sessions)
    for k in a.sessions:
        x, y = a.sessions[k], b.sessions[k]
        assert (x.name, x.aead, x.c2s, x.s2c, x.cookies, x.ntp_host, x.ntp_port, x.ke_time) == \
            (y.name, y.aead, y.c2s, y.s2c, y.cookies, y.ntp_host, y.ntp_port, y.ke_time)


def _clean(path):
    for p in (path, path + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass


def test_round_trip_and_no_secrets_in_repr():
    s = _state()
    data = _file(s)
    _same(st.decode(data, DIGEST), s)
    _same(st.decode(data), s)
    text = repr(s) + repr(s.sessions["ptb1"])
    assert "\\x11" not in text and "11111111" not in text and "cookies=8" in text
    empty = st.State(DIGEST)
    assert st.decode(_file(empty), DIGEST).sessions == {}
    assert len(_file(empty)) == 4 + 1 + 16 + 4 + 10 + 16


def test_corruption_detected():
    data = _file(_state(2))
    for n in range(0, len(data), 7):
        raises(StateError, st.decode, data[:n], DIGEST)
    raises(StateError, st.decode, data + b"\x00", DIGEST)
    for pos in range(0, len(data), 5):
        for bit in (0, 7):
            bad = bytearray(data)
            bad[pos] ^= 1 << bit
            raises(StateError, st.decode, bytes(bad), DIGEST)
    e = raises(StateError, st.decode, data, OTHER)
    assert "another configuration" in str(e)


def test_malformed_with_valid_checksum():
    import hashlib

    def seal(body_prefix):
        return body_prefix + hashlib.sha256(body_prefix).digest()[:16]
    good = _file(st.State(DIGEST))[:-16]
    raises(StateError, st.decode, seal(b"XXXX" + good[4:]))
    raises(StateError, st.decode, seal(good[:4] + b"\x09" + good[5:]))
    # Body claims one session but holds none; body length beyond the file.
    body = bytes(8) + b"\x01\x01"
    raises(StateError, st.decode, seal(good[:21] + len(body).to_bytes(4, "big") + body))
    raises(StateError, st.decode, seal(good[:21] + b"\x00\x00\x01\x00" + body))


class _Huge:
    # Stands in for a 70 KB cookie without allocating it (small-heap runs).
    def __len__(self):
        return 70000


def test_encode_limits():
    s = _state(1)
    s.sessions["ptb1"].cookies = [_Huge()]
    raises(StateError, st.encode, s)
    s = _state(1)
    s.sessions["ptb1"].c2s = b"k" * 300
    raises(StateError, st.encode, s)
    raises(StateError, st.encode, st.State(b"short"))


def test_store_save_load_consumes_sessions():
    path = _path("consume")
    _clean(path)
    store = st.Store(path)
    assert store.load(DIGEST) is None and store.last_error == "no state file"
    s = _state()
    store.save(s)
    loaded = store.load(DIGEST)
    _same(loaded, s)
    # The cookies left flash before they were handed out: a crash now cannot reuse them.
    again = store.load(DIGEST)
    assert again.sessions == {} and again.last_good_ns == s.last_good_ns and again.trusted
    with open(path, "rb") as f:
        assert b"\x11" * 32 not in f.read()
    _clean(path)


def test_store_ignores_other_configuration_and_corruption():
    path = _path("corrupt")
    _clean(path)
    store = st.Store(path)
    store.save(_state())
    assert store.load(OTHER) is None and "another configuration" in store.last_error
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])              # torn
    assert store.load(DIGEST) is None
    assert "truncated" in store.last_error or "checksum" in store.last_error
    with open(path, "wb") as f:
        f.write(b"")
    assert store.load(DIGEST) is None
    store.save(st.State(DIGEST, 5))                 # a good save repairs it
    assert store.load(DIGEST).last_good_ns == 5
    _clean(path)


def test_store_falls_back_to_complete_temp_file():
    path = _path("tmp")
    _clean(path)
    store = st.Store(path)
    # As after a power cut on FAT between removing the old file and the rename.
    with open(path + ".tmp", "wb") as f:
        f.write(_file(_state()))
    loaded = store.load(DIGEST)
    assert loaded is not None and len(loaded.sessions["ptb1"].cookies) == 8
    assert store.load(DIGEST).sessions == {}        # consumed from the temp file too
    # A half-written temp file beside a good main file is ignored and removed.
    with open(path + ".tmp", "wb") as f:
        f.write(_file(_state())[:40])
    assert store.load(DIGEST).sessions == {}
    raises(OSError, os.stat, path + ".tmp")
    store.clear()
    raises(OSError, os.stat, path)


def test_certificate_record_round_trip_and_version_1_files_load():
    s = _state(2)
    s.sessions["ptb1"].cert = st.CertRecord(1790000000, 1797000000, b"\xab" * 32, False)
    back = st.decode(_file(s), DIGEST)
    c = back.sessions["ptb1"].cert
    assert (c.not_before, c.not_after, c.sha256, c.checked) == \
        (1790000000, 1797000000, b"\xab" * 32, False)
    assert back.sessions["ptb2"].cert is None
    assert c.valid_at(1790000000) and c.valid_at(1797000000) and not c.valid_at(1797000001)
    s.sessions["ptb1"].cert.sha256 = b"short"
    raises(StateError, st.encode, s)
    # A version 1 file (before certificate records and signing keys) still resumes its
    # sessions.
    import hashlib
    from nts.wire import Writer
    body = Writer()
    body.u64(5).u8(1).u8(1).vector(1, b"ptb1").u64(7).u16(15).vector(1, b"").u16(123)
    body.vector(1, b"k" * 32).vector(1, b"K" * 32).u8(1).vector(2, b"C" * 100)
    w = Writer()
    w.put(b"NTSS").u8(1).put(DIGEST).vector(4, body.buf)
    w.put(hashlib.sha256(w.buf).digest()[:16])
    old = st.decode(w.getvalue(), DIGEST)
    assert old.sessions["ptb1"].cookies == [b"C" * 100] and old.sessions["ptb1"].cert is None
    assert old.sessions["ptb1"].signing_key is None


def test_state_keeps_the_signing_key():
    s = st.ServerSession("ptb1", 15, b"\x11" * 32, b"\x22" * 32, [b"\x33" * 100], "", 123, 5,
                         None, (7, b"\x04" + bytes(range(64))))
    plain = st.ServerSession("ptb2", 15, b"\x11" * 32, b"\x22" * 32, [b"\x33" * 100])
    back = st.decode(_file(st.State(b"d" * 16, 1, True, {"ptb1": s, "ptb2": plain})))
    assert back.sessions["ptb1"].signing_key == (7, b"\x04" + bytes(range(64)))
    assert back.sessions["ptb2"].signing_key is None
