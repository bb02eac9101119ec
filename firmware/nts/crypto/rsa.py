# RSA signature verification (RFC 8017): RSASSA-PKCS1-v1_5 (8.2.2) and RSASSA-PSS (8.1.2)
# over a caller-computed digest. Only public-key operations: s^e mod n with a small e.
# Every failure is a SignatureError (a verifier handles only public data, so naming the
# failed check leaks nothing).
#
# Slices (nts.slices): s^e mod n is square-and-multiply over chunks of e instead of one
# pow(), so the loop can yield between chunks. A 4096-bit squaring mod n is ~3.2 M
# unix-port instructions, ~35 ms on the board estimate (tools/benches/boardtime.py),
# the cost growing with the square of the size: a chunk holds SLICE_WORK / (2 bits^2)
# squarings (2048 bits: two, ~13 ms); from 3072 bits, where one squaring is more than
# that, a squaring's product and its reduction are separate slices (4096: ~18 ms each).
#
# Key-size policy (e.g. "at least 2048 bits") belongs to x509/TLS; the limits here only
# keep the arithmetic sane and bounded.
from nts.crypto.ct import equal as _same
from nts.crypto.hashes import DIGEST_SIZE, digest as _digest
from nts.errors import SignatureError

MIN_MODULUS_BITS = 1024  # RFC 8448's example server key is 1024-bit
MAX_MODULUS_BITS = 8192  # bounds the work an attacker-chosen key can cause
MAX_EXPONENT = 0xFFFFFFFF
SLICE_WORK = 4096 * 4096

# DigestInfo DER prefixes, RFC 8017 section 9.2 note 1.
_DIGEST_INFO = {
    "sha256": b"\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20",
    "sha384": b"\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x05\x00\x04\x30",
    "sha512": b"\x30\x51\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00\x04\x40",
}


def _bits(n):
    # Bit length by binary search on shifts: bin(n) would need a 4 KB string for a 4096-bit
    # modulus (too much for a fragmented 100 KB heap), and int.bit_length is not on every port.
    if n >> 16384:
        return 16385  # beyond any limit here; the exact value does not matter
    b = 0
    step = 8192
    while step:
        if n >> (b + step):
            b += step
        step >>= 1
    return b + 1 if n > 0 else 0


def _hash_len(hash_name, digest):
    hlen = DIGEST_SIZE.get(hash_name)
    if hlen is None:
        raise SignatureError("rsa: unsupported hash %s" % hash_name)
    if len(digest) != hlen:
        raise SignatureError("rsa: digest length does not match %s" % hash_name)
    return hlen


def _power_steps(s, e, n, bits):
    """s^e mod n in slices: left to right over e in chunks of c bits, each one pow()
    of c squarings (pow works in place, which a fragmented 100 KB heap needs) and a
    multiplication by s^chunk when the chunk is not zero. Where one squaring mod n is
    more than a slice (3072 bits and up), its product and its reduction are two."""
    work = 2 * bits * bits
    c = max(1, SLICE_WORK // work)
    split = work > SLICE_WORK
    b = _bits(e)
    x = 1
    while b > 0:
        take = min(c, b)
        b -= take
        chunk = (e >> b) & ((1 << take) - 1)
        if split:
            x = x * x
            yield
            x %= n
            if chunk:       # take is 1 here: chunk is 1
                yield
                x = x * s
                yield
                x %= n
        else:
            x = pow(x, 1 << take, n)
            if chunk:
                x = x * (s if chunk == 1 else pow(s, chunk, n)) % n
        yield
    return x


def _rsavp1_steps(n, e, signature):
    """RSAVP1 (RFC 8017 5.2.2) after the length check of 8.x.2 step 1, in slices:
    returns (m, k)."""
    if not (isinstance(n, int) and isinstance(e, int)):
        raise SignatureError("rsa: bad key")
    bits = _bits(n)
    if bits < MIN_MODULUS_BITS or bits > MAX_MODULUS_BITS:
        raise SignatureError("rsa: modulus size %d out of range" % bits)
    if not n & 1:
        raise SignatureError("rsa: even modulus")
    if e < 3 or e > MAX_EXPONENT or not e & 1:
        raise SignatureError("rsa: bad public exponent")
    k = (bits + 7) // 8
    if len(signature) != k:
        raise SignatureError("rsa: signature length %d, modulus is %d bytes"
                             % (len(signature), k))
    s = int.from_bytes(signature, "big")
    if s >= n:
        raise SignatureError("rsa: signature representative out of range")
    m = yield from _power_steps(s, e, n, bits)
    return m, k


def verify_pkcs1v15_steps(n, e, hash_name, digest, signature):
    """RSASSA-PKCS1-v1_5 verification in slices: rebuild the whole EMSA block and
    compare it (in constant time: both sides are public, but the result then does not
    depend on where a forged block first differs).

    EM = 0x00 || 0x01 || PS (0xFF, at least 8 bytes) || 0x00 || DigestInfo || H.
    Comparing the complete block (not parsing it) rules out the lax-parsing forgeries.
    """
    _hash_len(hash_name, digest)
    m, k = yield from _rsavp1_steps(n, e, signature)
    t = _DIGEST_INFO[hash_name] + bytes(digest)
    ps_len = k - len(t) - 3
    if ps_len < 8:
        raise SignatureError("rsa: modulus too short for %s" % hash_name)
    expected = b"\x00\x01" + b"\xff" * ps_len + b"\x00" + t
    if not _same(m.to_bytes(k, "big"), expected):
        raise SignatureError("rsa: PKCS#1 v1.5 signature mismatch")


def mgf1(hash_name, seed, length):
    """MGF1 (RFC 8017 B.2.1) with the named hash."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out.extend(_digest(hash_name, seed + counter.to_bytes(4, "big")))
        counter += 1
    return bytes(out[:length])


def verify_pss_steps(n, e, hash_name, digest, signature, salt_len=None):
    """RSASSA-PSS verification (EMSA-PSS-VERIFY, RFC 8017 9.1.2) with MGF1 of the same
    hash, in slices.

    salt_len None means the hash length, which TLS 1.3 (RFC 8446 4.2.3) requires.
    """
    hlen = _hash_len(hash_name, digest)
    if salt_len is None:
        salt_len = hlen
    m, k = yield from _rsavp1_steps(n, e, signature)
    em_bits = _bits(n) - 1
    em_len = (em_bits + 7) // 8
    if m >> (8 * em_len):
        # Only possible when em_len == k - 1: I2OSP(m, emLen) would fail (8.1.2 step 2c).
        raise SignatureError("rsa: PSS encoded message too long")
    em = m.to_bytes(em_len, "big")
    if salt_len < 0 or em_len < hlen + salt_len + 2:
        raise SignatureError("rsa: PSS salt length does not fit")
    if em[-1] != 0xBC:
        raise SignatureError("rsa: PSS trailer mismatch")
    db_len = em_len - hlen - 1
    masked_db = em[:db_len]
    h = em[db_len:db_len + hlen]
    top_mask = 0xFF >> (8 * em_len - em_bits)
    if masked_db[0] & ~top_mask & 0xFF:
        raise SignatureError("rsa: PSS top bits set")
    mask = mgf1(hash_name, h, db_len)
    db = bytearray(db_len)
    for i in range(db_len):
        db[i] = masked_db[i] ^ mask[i]
    db[0] &= top_mask
    # DB = PS (zeros) || 0x01 || salt
    ps_len = db_len - salt_len - 1
    bad = db[ps_len] ^ 0x01
    for i in range(ps_len):
        bad |= db[i]
    if bad:
        raise SignatureError("rsa: PSS padding mismatch")
    salt = bytes(db[db_len - salt_len:])
    h2 = _digest(hash_name, bytes(8) + bytes(digest) + salt)
    if not _same(h, h2):
        raise SignatureError("rsa: PSS signature mismatch")
