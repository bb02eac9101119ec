# AES-GCM (NIST SP 800-38D): the McGrew-Viega GCM spec test cases 1-4 (AES-128) on every
# AES x GHASH backend pair, tampering, and the cryptography-generated cases
# (host_tests/vectorgen/aes_gcm.py) under both interpreters.
from nts.crypto import aes as aes_mod
from nts.crypto import ghash
from nts.crypto.gcm import AESGCM
from nts.errors import AlgorithmError, AuthError
from support import h, raises, vectors

K3 = h("feffe9928665731c6d6a8f9467308308")
IV3 = h("cafebabefacedbaddecaf888")
P3 = h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
C3 = h("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985")
A4 = h("feedfacedeadbeeffeedfacedeadbeefabaddad2")

# (key, iv, plaintext, ad, ciphertext || tag): GCM spec test cases 1, 2, 3, 4.
CASES = (
    (bytes(16), bytes(12), b"", b"", h("58e2fccefa7e3061367f1d57a4e7455a")),
    (bytes(16), bytes(12), bytes(16), b"",
     h("0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf")),
    (K3, IV3, P3, b"", C3 + h("4d5c2af327cd64a62cf35abd2ba6fab4")),
    (K3, IV3, P3[:60], A4, C3[:60] + h("5bc94fbc3221a5db94fae95ae7121a47")),
)


def _pairs():
    return [(a, g) for a in aes_mod.backends() for g in ghash.backends()]


def test_gcm_spec_cases_1_to_4_every_backend():
    for a, g in _pairs():
        for key, iv, pt, ad, out in CASES:
            c = AESGCM(key, a, g)
            assert c.encrypt(iv, pt, ad) == out, (a, g, len(pt))
            assert c.decrypt(iv, out, ad) == pt, (a, g, len(pt))


def test_tables_path_explicitly():
    # The plain twins on every interpreter, whatever the defaults pick.
    key, iv, pt, ad, out = CASES[3]
    c = AESGCM(key, "tables", "tables")
    assert c.encrypt(iv, pt, ad) == out
    assert c.decrypt(iv, out, ad) == pt


def test_context_reused_across_records():
    # TLS keeps one AESGCM per key: state from one record must not leak into the next.
    c = AESGCM(K3)
    for key, iv, pt, ad, out in CASES[2:]:
        assert c.encrypt(iv, pt, ad) == out
    assert c.decrypt(IV3, CASES[2][4], b"") == P3
    raises(AuthError, c.decrypt, IV3, CASES[3][4], b"")
    assert c.decrypt(IV3, CASES[3][4], A4) == P3[:60]


def test_accepts_bytearray_and_memoryview():
    # The TLS record layer hands over slices of its buffers.
    key, iv, pt, ad, out = CASES[3]
    for g in ghash.backends():
        c = AESGCM(key, None, g)
        buf = bytearray(b"xx" + pt + b"yy")
        assert c.encrypt(bytearray(iv), memoryview(buf)[2:-2], memoryview(ad)) == out, g
        assert c.decrypt(memoryview(iv), memoryview(bytearray(out)), bytearray(ad)) == pt, g


def test_tampering_fails_every_time():
    key, iv, pt, ad, out = CASES[3]
    c = AESGCM(key)
    for i in range(len(out)):
        bad = bytearray(out)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, c.decrypt, iv, bytes(bad), ad)
    for i in range(len(ad)):
        bad = bytearray(ad)
        bad[i] ^= 0x80 >> (i % 8)
        raises(AuthError, c.decrypt, iv, out, bytes(bad))
    for i in range(len(iv)):
        bad = bytearray(iv)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, c.decrypt, bytes(bad), out, ad)
    raises(AuthError, c.decrypt, iv, out[:-1], ad)
    raises(AuthError, c.decrypt, iv, out + b"\x00", ad)
    raises(AuthError, c.decrypt, iv, out, ad + b"\x00")
    raises(AuthError, c.decrypt, iv, out, b"")
    for n in range(17):
        raises(AuthError, c.decrypt, iv, out[:n], ad)


def test_short_input_is_auth_error():
    c = AESGCM(bytes(16))
    for n in range(16):
        raises(AuthError, c.decrypt, bytes(12), bytes(n), b"")


def test_bad_sizes_are_typed_errors():
    raises(AlgorithmError, AESGCM, bytes(24))
    c = AESGCM(bytes(16))
    for n in (0, 8, 11, 13, 16):
        raises(AlgorithmError, c.encrypt, bytes(n), b"", b"")
        raises(AlgorithmError, c.decrypt, bytes(n), bytes(16), b"")


def test_repr_hides_key():
    assert "ab" * 4 not in repr(AESGCM(b"\xab" * 16))


def test_cryptography_cases():
    n = 0
    for v in vectors("aes_gcm"):
        key, nonce, ad, pt, out = h(v["key"]), h(v["nonce"]), h(v["ad"]), h(v["pt"]), h(v["ct"])
        c = AESGCM(key)
        assert c.encrypt(nonce, pt, ad) == out, n
        assert c.decrypt(nonce, out, ad) == pt, n
        if out:
            bad = bytearray(out)
            bad[n % len(out)] ^= 1 << (n % 8)
            raises(AuthError, c.decrypt, nonce, bytes(bad), ad)
        n += 1
    assert n >= 1000


def test_cryptography_cases_tables_path():
    # Every fourth case again through the plain GHASH twin (the default may be viper).
    n = 0
    for v in vectors("aes_gcm"):
        if n % 4 == 0:
            c = AESGCM(h(v["key"]), None, "tables")
            assert c.encrypt(h(v["nonce"]), h(v["pt"]), h(v["ad"])) == h(v["ct"]), n
        n += 1


def test_deferred_tags_are_checked_in_slices():
    # Issue 8 item 2: the record tags TLS defers until the chain is verified are checked
    # in slices of gcm.DEFERRED_SLICE bytes (nts.slices), a forged one still fails.
    from nts.crypto import gcm
    c = AESGCM(K3)
    ad = b"\x17\x03\x03\x08\x10"
    sealed = c.encrypt(IV3, bytes(2048), ad)
    pending = []
    assert c.decrypt(IV3, sealed, ad, defer=pending) == bytes(2048)
    steps = c.check_deferred_steps(pending)
    n = 0
    while True:
        try:
            next(steps)
        except StopIteration:
            break
        n += 1
    assert n >= 2048 // gcm.DEFERRED_SLICE, n
    pending = []
    c.decrypt(IV3, sealed[:-1] + bytes([sealed[-1] ^ 1]), ad, defer=pending)
    raises(AuthError, lambda: [None for _ in c.check_deferred_steps(pending)])
