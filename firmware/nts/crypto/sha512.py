# SHA-512 and SHA-384 (FIPS 180-4) with hashlib-like objects. MicroPython's hashlib has
# only SHA-256, but P-384 chains (ecdsa-with-SHA384) and RSA sha384/sha512 signatures need
# these; where hashlib has them (CPython, some ports) the C versions are used instead.
#
# 64-bit words are bignums on every MicroPython port (small ints hold 31 or 63 bits), so
# this is slow but exact. A rotation is one shift of the word doubled to 128 bits
# (x * (2**64 + 1)), which costs fewer bignum operations than two shifts and an OR.
# `pure_sha512`/`pure_sha384` are always the Python versions (tests and benches use them).
try:
    import hashlib as _hashlib
    _native = (_hashlib.sha512, _hashlib.sha384)
    _native[0](b"")
    _native[1](b"")
except (ImportError, AttributeError, ValueError):
    _native = None

_M = 0xFFFFFFFFFFFFFFFF
_DOUBLE = 0x10000000000000001  # multiplying by this puts a second copy of x above bit 64

# FIPS 180-4 4.2.3 / 5.3.4 / 5.3.5: the first 64 bits of the fractional parts of the cube
# roots of the first 80 primes (K) and of the square roots of primes 1-8 (SHA-512 IV) and
# 9-16 (SHA-384 IV). A literal table, not derived at run time: deriving it later on a
# busy heap would scatter 96 long-lived bignums across it. test_sha512 re-derives it.
_K = (
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019,
    0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242,
    0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275,
    0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f,
    0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc,
    0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6,
    0x92722c851482353b, 0xa2bfe8a14cf10364, 0xa81a664bbc423001,
    0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc,
    0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915,
    0xc67178f2e372532b, 0xca273eceea26619c, 0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba,
    0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
)
_IV512 = (
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
)
_IV384 = (
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
)


def _compress(state, block):
    # The sigma values keep garbage above bit 64 (from the doubled word): everything they
    # feed is summed and then masked, and a sum's low 64 bits ignore higher bits, so
    # masking them too would only cost time.
    M = _M
    D = _DOUBLE
    K = _K
    # The message schedule as a ring of 16 words (FIPS 180-4 6.1.3's alternative): 16
    # live bignums and a 128-byte list instead of 80 and 640 bytes, on a heap whose free
    # space is mostly small holes between bignums.
    W = [int.from_bytes(block[8 * t:8 * t + 8], "big") for t in range(16)]
    a, b, c, d, e, f, g, h = state
    bc = b ^ c
    for t in range(80):
        i = t & 15
        if t >= 16:
            x = W[(t - 15) & 15]
            xx = x * D
            s0 = (xx >> 1) ^ (xx >> 8) ^ (x >> 7)
            x = W[(t - 2) & 15]
            xx = x * D
            W[i] = (W[i] + s0 + W[(t - 7) & 15] + ((xx >> 19) ^ (xx >> 61) ^ (x >> 6))) & M
        ee = e * D
        t1 = h + ((ee >> 14) ^ (ee >> 18) ^ (ee >> 41)) + (g ^ (e & (f ^ g))) + K[t] + W[i]
        aa = a * D
        ab = a ^ b
        # Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); this round's a ^ b is the next b ^ c.
        t2 = ((aa >> 28) ^ (aa >> 34) ^ (aa >> 39)) + (b ^ (ab & bc))
        bc = ab
        h = g
        g = f
        f = e
        e = (d + t1) & M
        d = c
        c = b
        b = a
        a = (t1 + t2) & M
    return [(s + v) & M for s, v in zip(state, (a, b, c, d, e, f, g, h))]


class _SHA2_64:
    # Subclasses set digest_size, block_size, name and _iv().
    block_size = 128

    def __init__(self, data=b""):
        self._state = list(self._iv())
        self._buf = b""
        self._length = 0
        if data:
            self.update(data)

    def update(self, data):
        # Whole blocks are read in place: a certificate's TBS is not copied to be hashed.
        self._length += len(data)
        data = memoryview(data)
        state = self._state
        i = 0
        if self._buf:
            i = min(len(data), 128 - len(self._buf))
            self._buf += bytes(data[:i])
            if len(self._buf) < 128:
                return
            state = _compress(state, self._buf)
        n = len(data) - (len(data) - i) % 128
        for j in range(i, n, 128):
            state = _compress(state, data[j:j + 128])
        self._state = state
        self._buf = bytes(data[n:])

    def copy(self):
        other = self.__class__()
        other._state = list(self._state)
        other._buf = self._buf
        other._length = self._length
        return other

    def digest(self):
        # Padding: 0x80, zeros, then the message length in bits as a 128-bit integer.
        pad = b"\x80" + bytes((111 - self._length) % 128)
        tail = self._buf + pad + (self._length * 8).to_bytes(16, "big")
        state = self._state
        for i in range(0, len(tail), 128):
            state = _compress(state, tail[i:i + 128])
        out = b"".join(v.to_bytes(8, "big") for v in state)
        return out[:self.digest_size]

    def hexdigest(self):
        from binascii import hexlify
        return hexlify(self.digest()).decode()


class pure_sha512(_SHA2_64):
    digest_size = 64
    name = "sha512"

    def _iv(self):
        return _IV512


class pure_sha384(_SHA2_64):
    digest_size = 48
    name = "sha384"

    def _iv(self):
        return _IV384


if _native is None:
    sha512 = pure_sha512
    sha384 = pure_sha384
else:
    sha512, sha384 = _native
