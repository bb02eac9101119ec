# NIST P-256 and P-384 (FIPS 186-5, SEC 1 v2): ECDSA verification for certificates and
# CertificateVerify, and P-256 ECDH for servers that answer with a HelloRetryRequest for
# secp256r1. Public-key work only, except the ephemeral ECDH key.
#
# Points are Jacobian (X, Y, Z) ~ affine (X/Z^2, Y/Z^3), so scalar multiplication needs
# no inversion; Z == 0 is the point at infinity. Both curves have a = -3, which the
# doubling formula uses. Verification computes u1*G + u2*Q in one pass of shared
# doublings (Shamir's trick) over width-w NAFs of both scalars, adding affine odd
# multiples of G (a precomputed table, ec_tables.py) and of Q (4 points per call), and
# checks the result against r without inverting Z.
#
# Inverses use the extended Euclidean algorithm (nts.crypto.modinv), ~7x cheaper here
# than pow(x, p-2, p); where the value depends on the ECDH secret, through a random blind.
#
# Slices (nts.slices): scalar multiplications yield every `slice_digits` NAF digits (a
# doubling, sometimes an addition), chosen per curve for ~20 ms on the board estimate
# (tools/benches/boardtime.py: a P-256 digit ~0.24 M unix-port instructions, ~2.6 ms;
# a P-384 digit ~0.43 M, ~4.7 ms); the set-up yields after each inversion (~0.8 M,
# ~9 ms at 256 bits) and after the NAFs. On the viper limb kernel (`limb_slice`) a
# P-256 digit is ~0.06 M, ~0.65 ms, a P-384 digit ~0.14 M, ~1.5 ms: 25 and 12 digits.
from nts.crypto import ec_tables
from nts.crypto.modinv import inverse as _inverse
from nts.errors import AuthError, ParseError, SignatureError
from nts.platform import random_bytes, viper_enabled
from nts.tls import der
from nts.wire import Reader


class Curve:
    """Domain parameters of a short-Weierstrass curve y^2 = x^3 - 3x + b over GF(p)."""

    def __init__(self, name, p, b, n, gx, gy, g_odd, slice_digits, limbs, limb_slice):
        self.name = name
        self.p = p
        self.b = b
        self.n = n
        self.g = (gx, gy)
        self.size = (len("%x" % p) + 1) // 2  # bytes per coordinate and per scalar
        self.n_bits = len("%x" % n) * 4       # both orders start with hex digit f
        self.g_odd = g_odd                    # G, 3G, 5G, ... affine (ec_tables)
        self.slice_digits = slice_digits      # NAF digits per slice (module comment)
        self.limbs = limbs                    # 13-bit limbs of the viper kernel
        self.limb_slice = limb_slice          # NAF digits per slice on that kernel
        self.kernel = None                    # (ec_limbs.Field, run, template), at first use


P256 = Curve(
    "p256",
    0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
    0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    ec_tables.P256_G_ODD, 7, 20, 25)

P384 = Curve(
    "p384",
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF,
    0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
    0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
    ec_tables.P384_G_ODD, 4, 30, 12)

CURVES = {"p256": P256, "p384": P384}


def _curve(name):
    c = CURVES.get(name)
    if c is None:
        raise SignatureError("unsupported curve %s" % name)
    return c


def _double(c, pt):
    # dbl-2001-b (a = -3), with Z3 = 2*Y1*Z1 instead of (Y1+Z1)^2 - gamma - delta: Python
    # pays per operation, so fewer big-int operations beats fewer multiplications.
    X1, Y1, Z1 = pt
    if Z1 == 0 or Y1 == 0:
        return (1, 1, 0)
    p = c.p
    delta = Z1 * Z1 % p
    gamma = Y1 * Y1 % p
    beta = X1 * gamma % p
    alpha = 3 * (X1 - delta) * (X1 + delta) % p
    X3 = (alpha * alpha - 8 * beta) % p
    Z3 = 2 * Y1 * Z1 % p
    Y3 = (alpha * (4 * beta - X3) - 8 * gamma * gamma) % p
    return (X3, Y3, Z3)


def _add_affine(c, pt, q):
    # madd-2007-bl: Jacobian pt + affine q (None is infinity). A reduction (%) costs
    # about three multiplications here, so values that only feed one more product
    # (h, r, i) stay unreduced: |h| < p, |r| < 2p, i < 4p.
    if q is None:
        return pt
    X1, Y1, Z1 = pt
    x2, y2 = q
    if Z1 == 0:
        return (x2, y2, 1)
    p = c.p
    z1z1 = Z1 * Z1 % p
    h = x2 * z1z1 % p - X1
    r = 2 * (y2 * Z1 * z1z1 % p - Y1)
    if h == 0:
        if r == 0:
            return _double(c, pt)
        return (1, 1, 0)
    hh = h * h % p
    i = 4 * hh
    j = h * i % p
    v = X1 * i % p
    X3 = (r * r - j - 2 * v) % p
    Y3 = (r * (v - X3) - 2 * Y1 * j) % p
    Z3 = ((Z1 + h) * (Z1 + h) - z1z1 - hh) % p
    return (X3, Y3, Z3)


def _to_affine(c, pt):
    """(x, y), or None for the point at infinity. Z may depend on a secret scalar (ECDH),
    so the variable-time inverse only sees Z*r for a fresh random r."""
    X, Y, Z = pt
    if Z == 0:
        return None
    p = c.p
    while True:
        r = int.from_bytes(random_bytes(c.size), "big") % p
        if r:
            break
    zi = _inverse(Z * r % p, p) * r % p
    zi2 = zi * zi % p
    return (X * zi2 % p, Y * zi2 * zi % p)


def _batch_affine(c, pts):
    """Affine forms of Jacobian points (public, none at infinity) with one inversion
    (Montgomery's trick): prefix products, invert the last, walk back."""
    p = c.p
    prefix = []
    acc = 1
    for pt in pts:
        acc = acc * pt[2] % p
        prefix.append(acc)
    inv = _inverse(acc, p)
    out = [None] * len(pts)
    for i in range(len(pts) - 1, -1, -1):
        X, Y, Z = pts[i]
        zi = inv * prefix[i - 1] % p if i else inv
        inv = inv * Z % p
        zi2 = zi * zi % p
        out[i] = (X * zi2 % p, Y * zi2 * zi % p)
    return out


def _on_curve(c, x, y):
    p = c.p
    return (y * y - (x * x * x - 3 * x + c.b)) % p == 0


def decode_point(c, data):
    """SEC 1 2.3.4 for uncompressed points only (RFC 8446 4.2.8.2 and RFC 5480 let TLS
    and certificates use just that form), as affine (x, y); ParseError if invalid.
    The point must lie on the curve (cofactor 1, so that also puts it in the prime-order
    group); infinity has no uncompressed encoding."""
    size = c.size
    if len(data) != 1 + 2 * size or data[0] != 0x04:
        raise ParseError("%s: not an uncompressed point" % c.name)
    x = int.from_bytes(data[1:1 + size], "big")
    y = int.from_bytes(data[1 + size:], "big")
    if x >= c.p or y >= c.p or not _on_curve(c, x, y):
        raise ParseError("%s: point not on the curve" % c.name)
    return (x, y)


def encode_point(c, q):
    return b"\x04" + q[0].to_bytes(c.size, "big") + q[1].to_bytes(c.size, "big")


def odd_multiples_steps(c, q, count):
    """Affine q, 3q, 5q, ... (count points) of an affine point q of prime order, in
    slices (each inversion one)."""
    two_q = _batch_affine(c, [_double(c, (q[0], q[1], 1))])[0]
    yield
    pts = [(q[0], q[1], 1)]
    for _ in range(count - 1):
        pts.append(_add_affine(c, pts[-1], two_q))
    yield
    return _batch_affine(c, pts)


def _wnaf(k, w):
    """Width-w NAF of k >= 0 (w <= 7), least significant digit first, one byte per digit
    (two's complement; a list would need one 2-4 KB block, hard to find in a fragmented
    heap). Each nonzero digit is odd, |d| < 2**(w-1), and at least w-1 zeros follow
    it, so ~1/(w+1) of the digits are nonzero.

    Read from k's bytes with small ints (a big-int shift per bit cost ~0.6 M unix-port
    instructions for 256 bits): at bit i, t = the next w bits + the carry c that the
    digits below left (0 or 1); an odd t gives the digit d = t mod+- 2^w and carry
    t < d, which clears those w bits; an even t moves to its lowest set bit, c kept."""
    digits = bytearray(len("%x" % k) * 4 + 1)
    kb = k.to_bytes(len(digits) // 8 + 3, "little")
    full = 1 << w
    half = full >> 1
    mask = full - 1
    end = len(digits)
    i = c = 0
    while i < end:
        j = i >> 3
        t = (((kb[j] | (kb[j + 1] << 8)) >> (i & 7)) & mask) + c
        if t & 1:
            if t >= half:
                digits[i] = (t - full) & 0xFF
                c = 1
            else:
                digits[i] = t
                c = 0
            i += w
        elif t:
            while not t & 1:
                t >>= 1
                i += 1
        else:
            i += w
    return digits


G_WINDOW = 5  # ec_tables holds 2**(G_WINDOW-2) odd multiples of G
_Q_WINDOW = 4  # 4 odd multiples of Q, made per verification


def _add_digit(c, r, d, odd):
    # r + d*P for a nonzero NAF digit byte d, with odd = (P, 3P, 5P, ...); -P = (x, p - y).
    if d < 128:
        return _add_affine(c, r, odd[d >> 1])
    pt = odd[(256 - d) >> 1]
    return _add_affine(c, r, (pt[0], c.p - pt[1]))


def _kernel(c):
    """(ec_limbs.Field, run, workspace template) of c's viper kernel, or None: with viper
    off (nts.platform.viper_enabled()) nothing of it is imported. Made at first use (the
    kernel's compile and the G table's conversion)."""
    if c.kernel is None:
        if not viper_enabled():
            return None
        from nts.crypto import ec_limbs
        if c is P256:
            from nts.crypto.p256_viper import run
        else:
            from nts.crypto.p384_viper import run
        f = ec_limbs.Field(c.p, c.limbs)
        c.kernel = (f, run, ec_limbs.template(f, c.g_odd))
    return c.kernel


def _limb_steps(c, kernel, naf_g, naf_q, q, count):
    """NAF(u1) * G + NAF(u2) * q (either NAF may be None) on the limb kernel, with
    `count` odd multiples of the affine q made there too; None if the walk met a special
    case (nts.crypto.ec_limbs)."""
    from nts.crypto import ec_limbs
    f, run, fixed = kernel
    pairs = []
    if naf_g is not None:
        pairs.append((naf_g, ec_limbs.G_TABLE))
    ws = ec_limbs.workspace(f, fixed, ec_limbs.odd_slots(count) if naf_q is not None else 0)
    if naf_q is not None:
        t = ec_limbs.G_TABLE + 2 * len(c.g_odd)
        if not ec_limbs.odd_multiples(f, run, ws, t, q, count):
            return None
        pairs.append((naf_q, t))
        yield
    r = yield from ec_limbs.mul_steps(f, run, ws, pairs, c.limb_slice)
    if r[2] == 0:
        return None
    return r


def _mul_add_steps(c, u1, u2, q):
    """u1*G + u2*q for affine q (Jacobian result), in slices: the doublings are shared."""
    ng = _wnaf(u1, G_WINDOW)
    nq = _wnaf(u2, _Q_WINDOW)
    kernel = _kernel(c)
    if kernel is not None:
        r = yield from _limb_steps(c, kernel, ng, nq, q, 1 << (_Q_WINDOW - 2))
        if r is not None:
            return r
    q_odd = yield from odd_multiples_steps(c, q, 1 << (_Q_WINDOW - 2))
    yield
    lg = len(ng)
    lq = len(nq)
    g_odd = c.g_odd
    per_slice = c.slice_digits
    r = (1, 1, 0)
    for i in range(max(lg, lq) - 1, -1, -1):
        r = _double(c, r)
        if i < lg and ng[i]:
            r = _add_digit(c, r, ng[i], g_odd)
        if i < lq and nq[i]:
            r = _add_digit(c, r, nq[i], q_odd)
        if i % per_slice == 0:
            yield
    return r


def parse_signature(c, encoded):
    """Ecdsa-Sig-Value (RFC 5480 / RFC 8446 4.2.3) to (r, s), both in [1, n-1].

        Ecdsa-Sig-Value ::= SEQUENCE {
            r  INTEGER,
            s  INTEGER }
    """
    try:
        rd = Reader(encoded)
        seq = der.expect(rd, der.SEQUENCE, "Ecdsa-Sig-Value")
        der.done(rd, "ECDSA signature")
        r = der.integer(seq, c.size)
        s = der.integer(seq, c.size)
        der.done(seq, "Ecdsa-Sig-Value")
    except ParseError as e:
        raise SignatureError("%s: malformed signature (%s)" % (c.name, e))
    if not (0 < r < c.n and 0 < s < c.n):
        raise SignatureError("%s: r or s out of range" % c.name)
    return r, s


def ecdsa_verify_steps(curve, public_point, digest, signature_der):
    """ECDSA verification (FIPS 186-5 6.4.2, SEC 1 4.1.4) in slices; SignatureError if
    it fails.

    public_point: uncompressed SEC 1 bytes. digest: the message hash; one longer than the
    group order is truncated to its leftmost n_bits, as the standard says.
    """
    c = _curve(curve)
    try:
        q = decode_point(c, public_point)
    except ParseError as e:
        raise SignatureError(str(e))
    r, s = parse_signature(c, signature_der)
    n = c.n
    e = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - c.n_bits
    if excess > 0:
        e >>= excess
    w = _inverse(s, n)
    yield
    X, _, Z = yield from _mul_add_steps(c, e * w % n, r * w % n, q)
    # Accept iff x(R) mod n == r, i.e. X == x * Z^2 (mod p) for x = r or x = r + n (the
    # only values below p that are r mod n): no inversion needed.
    p = c.p
    zz = Z * Z % p
    if Z == 0 or ((r * zz - X) % p and (r + n >= p or ((r + n) * zz - X) % p)):
        raise SignatureError("%s: ECDSA signature mismatch" % c.name)


def _scalar_mul_steps(c, k, q, w):
    """k*q for an affine q (None: G, with its table) by a width-w NAF (w = G_WINDOW for
    G), in slices. Not constant-time (nor is big-int arithmetic): acceptable for the
    one-use ECDH key of a HelloRetryRequest."""
    naf = _wnaf(k, w)
    kernel = _kernel(c)
    if kernel is not None:
        r = yield from _limb_steps(c, kernel, naf if q is None else None,
                                   None if q is None else naf, q, 1 << (w - 2))
        if r is not None:
            return r
    if q is None:
        odd = c.g_odd
    else:
        odd = yield from odd_multiples_steps(c, q, 1 << (w - 2))
    per_slice = c.slice_digits
    r = (1, 1, 0)
    for i in range(len(naf) - 1, -1, -1):
        r = _double(c, r)
        if naf[i]:
            r = _add_digit(c, r, naf[i], odd)
        if i % per_slice == 0:
            yield
    return r


def p256_keypair_steps():
    """A fresh ECDH key, in slices: (private scalar as 32 bytes, uncompressed public point,
    65 bytes)."""
    c = P256
    while True:
        priv = random_bytes(32)
        d = int.from_bytes(priv, "big")
        if 0 < d < c.n:
            break
    pt = yield from _scalar_mul_steps(c, d, None, G_WINDOW)
    return priv, encode_point(c, _to_affine(c, pt))


def p256_shared_steps(priv, peer_point):
    """ECDH (SEC 1 3.3.1) with a validated peer point, in slices: the 32-byte x-coordinate."""
    c = P256
    d = int.from_bytes(priv, "big")
    if len(priv) != 32 or not 0 < d < c.n:
        raise ParseError("p256: bad private key")
    q = decode_point(c, peer_point)
    pt = yield from _scalar_mul_steps(c, d, q, 5)
    pt = _to_affine(c, pt)
    if pt is None:  # impossible for a valid point and d in [1, n-1]; checked anyway
        raise AuthError("p256: shared point at infinity")
    return pt[0].to_bytes(32, "big")
