# AES block cipher (FIPS-197) and CTR keystreams, on every backend this interpreter has.
from nts.crypto import aes as aes_mod
from nts.crypto.aes import AES, CTR_BE128, CTR_BE32, CTR_LE32, ctr_xor, expand_key
from nts.errors import AlgorithmError
from portability import require_viper
from support import SkipTest, h, raises


PT = h("00112233445566778899aabbccddeeff")
KEY128 = h("000102030405060708090a0b0c0d0e0f")
KEY256 = h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
# FIPS-197 Appendix C.1 and C.3
CT128 = h("69c4e0d86a7b0430d8cdb78070b4c55a")
CT256 = h("8ea2b7ca516745bfeafc49904b496089")

# NIST SP 800-38A F.1.1 (ECB-AES128) and F.5.1 (CTR-AES128)
SP_KEY = h("2b7e151628aed2a6abf7158809cf4f3c")
SP_PT = h("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710")
SP_ECB = h("3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf"
           "43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4")
SP_CTR0 = h("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
SP_CTR = h("874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff"
           "5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee")


def _backend(name):
    if name not in aes_mod.backends():
        raise SkipTest("AES backend %s not available here" % name)
    return name


def _fips197(name):
    b = _backend(name)
    assert AES(KEY128, b).encrypt_block(PT) == CT128
    assert AES(KEY256, b).encrypt_block(PT) == CT256
    assert AES(SP_KEY, b).encrypt_blocks(SP_PT) == SP_ECB
    assert AES(SP_KEY, b).encrypt_blocks(b"") == b""


def test_fips197_tables():
    _fips197("tables")


def test_fips197_cryptolib():
    _fips197("cryptolib")


def test_fips197_viper():
    _fips197("viper")


def test_key_expansion_fips197_a1():
    # FIPS-197 A.1: w[40..43], the last AES-128 round key.
    rk = expand_key(SP_KEY)
    assert rk[0] == 10 and len(rk) == 1 + 176
    assert rk[-16:] == h("d014f9a8c9ee2589e13f0cc8b6630ca6")
    # FIPS-197 A.3: w[56..59], the last AES-256 round key.
    k = h("603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4")
    assert expand_key(k)[-16:] == h("fe4890d1e6188d0b046df344706c631e")
    rows = aes_mod.round_key_rows(k)
    assert len(rows) == 15 and bytes(rows[-1]) == expand_key(k)[-16:]


def _stream(n, seed=b"aes"):
    # Deterministic test bytes without `random` (same on both interpreters).
    import hashlib
    out = b""
    while len(out) < n:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return out[:n]


def test_backends_agree():
    names = aes_mod.backends()
    data = _stream(16 * 40)
    for i in range(8):
        key = _stream(16 if i & 1 else 32, bytes((i,)))
        want = AES(key, "tables").encrypt_blocks(data)
        for b in names:
            assert AES(key, b).encrypt_blocks(data) == want, b
            assert AES(key, b).cbc_mac(data) == AES(key, "tables").cbc_mac(data), b


def test_viper_kernel_matches_plain_twin():
    # Called directly, whatever NTS_VIPER says: the kernel is proven on this port here.
    require_viper()
    from nts.crypto import aes_viper
    for i in range(6):
        key = _stream(16 if i & 1 else 32, bytes((i, 1)))
        for chain in (0, 1):
            a = bytearray(_stream(16 * 9, bytes((i, 2))))
            b = bytearray(a)
            aes_mod._blocks_plain(aes_mod.round_key_rows(key), a, 9, chain)
            aes_viper.blocks(expand_key(key), b, 9, chain)
            assert a == b


def test_cbc_mac_is_cbc_last_block():
    a = AES(SP_KEY, "tables")
    x = bytes(16)
    for i in range(0, len(SP_PT), 16):
        x = a.encrypt_block(aes_mod.xor_bytes(x, SP_PT[i:i + 16]))
    assert a.cbc_mac(SP_PT) == x
    raises(AlgorithmError, a.cbc_mac, b"")
    raises(AlgorithmError, a.cbc_mac, bytes(17))


def test_ctr_sp800_38a():
    # F.5.1 never carries out of the low 32 bits, so BE128 and BE32 agree on it.
    for b in aes_mod.backends():
        a = AES(SP_KEY, b)
        assert ctr_xor(a, SP_CTR0, SP_PT, CTR_BE128) == SP_CTR
        assert ctr_xor(a, SP_CTR0, SP_PT, CTR_BE32) == SP_CTR
        assert ctr_xor(a, SP_CTR0, SP_CTR[:37], CTR_BE128) == SP_PT[:37]
        assert ctr_xor(a, SP_CTR0, b"", CTR_BE32) == b""


def _keystream(a, counters):
    return a.encrypt_blocks(b"".join(counters))


def test_ctr_counter_formats_wrap():
    a = AES(SP_KEY)
    zeros = bytes(48)
    # GCM inc32: the low 32 bits wrap without carrying into byte 11.
    c = h("0102030405060708090a0b0c fffffffe")
    want = _keystream(a, [c, h("0102030405060708090a0b0c ffffffff"),
                          h("0102030405060708090a0b0c 00000000")])
    assert ctr_xor(a, c, zeros, CTR_BE32) == want
    # RFC 8452: little-endian 32-bit counter in the first 4 bytes, wrapping likewise.
    c = h("feffffff 0102030405060708090a0b0c")
    want = _keystream(a, [c, h("ffffffff 0102030405060708090a0b0c"),
                          h("00000000 0102030405060708090a0b0c")])
    assert ctr_xor(a, c, zeros, CTR_LE32) == want
    # RFC 5297: one 128-bit big-endian counter, wrapping mod 2^128.
    c = h("ff" * 15 + "fe")
    want = _keystream(a, [c, b"\xff" * 16, bytes(16)])
    assert ctr_xor(a, c, zeros, CTR_BE128) == want


def test_ctr_long_input_crosses_chunks():
    a = AES(SP_KEY)
    data = _stream(1500)
    c = h("000102030405060708090a0bfffffff0")
    out = ctr_xor(a, c, data, CTR_BE32)
    assert len(out) == 1500
    assert ctr_xor(a, c, out, CTR_BE32) == data
    # Block i of the keystream is E(counter + i) however the input is chunked.
    ks = ctr_xor(a, c, bytes(1500), CTR_BE32)
    i = 70
    ci = c[:12] + ((0xfffffff0 + i) & 0xFFFFFFFF).to_bytes(4, "big")
    assert ks[16 * i:16 * i + 16] == a.encrypt_block(ci)


def test_bad_sizes_are_typed_errors():
    raises(AlgorithmError, AES, bytes(24))
    raises(AlgorithmError, AES, bytes(15))
    raises(AlgorithmError, AES, bytes(16), "no-such-backend")
    a = AES(bytes(16))
    raises(AlgorithmError, a.encrypt_block, bytes(15))
    raises(AlgorithmError, a.encrypt_blocks, bytes(17))
    raises(AlgorithmError, ctr_xor, a, bytes(12), b"x", CTR_BE32)
    raises(AlgorithmError, ctr_xor, a, bytes(16), b"x", 99)


def test_repr_hides_key():
    key = b"\x5a" * 16
    for b in aes_mod.backends():
        r = repr(AES(key, b))
        assert "5a" not in r and "Z" not in r and b in r
