"""Generate the 32-bit-safe limb kernels of P-256 and P-384 (firmware/nts/crypto/
p256_viper.py, p384_viper.py) and their plain twins (host_tests/portable/p256_twin.py,
p384_twin.py) from one description, so each pair is the same code but for the viper
annotations.

Why one interpreter function per curve: calling viper from Python costs ~1-1.5k unix-port
instructions per call, as much as a sixth of a field multiplication, so a whole point
doubling or mixed addition is ONE call: `run` executes a short program of field
operations (nts.crypto.ec_limbs) over a workspace of limb slots. Each operation's code
exists once (straight-line over locals: viper pays per statement, and a loop or an array
access costs as much as the arithmetic), which keeps the native code small.

The limb count is a parameter (CURVES below): 13-bit limbs, N = ceil(bits / 13).

    python tools/gen_ec_field.py            # rewrite the four files
    python tools/gen_ec_field.py --check    # exit 1 if any is stale
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BITS = 13
MASK = (1 << BITS) - 1

# name, p, bits of p
CURVES = (
    ("p256", 2**256 - 2**224 + 2**192 + 2**96 - 1, 256),
    ("p384", 2**384 - 2**128 - 2**96 + 2**32 - 1, 384),
)

# Operation codes of `run`'s programs (4 bytes each: op, d, a, b; slots of N limbs).
OPS = (("END", 0), ("MUL", 1), ("SQR", 2), ("LOADT", 5), ("LIN", 16))


def signed_terms(x):
    """x as a short sum of +-2^e (non-adjacent form): [(sign, e), ...]."""
    out = []
    e = 0
    while x:
        if x & 1:
            d = 2 - (x & 3)
            out.append((d, e))
            x -= d
        x >>= 1
        e += 1
    return out


def limbs(x, n):
    return [(x >> (BITS * i)) & MASK for i in range(n)]


class Field:
    def __init__(self, name, p, nbits):
        self.name = name
        self.p = p
        self.nbits = nbits
        self.n = -(-nbits // BITS)
        self.top = nbits - BITS * (self.n - 1)   # bits of the top limb below 2^nbits
        if (p + 1) % (1 << BITS):
            raise ValueError("Montgomery with m' = 1 needs p = -1 mod 2^13")
        # p + 1 = sum of sign * 2^e, every e >= 13: Montgomery's m * p is m * (p + 1) - m,
        # and "- m" just clears the low limb.
        self.p1 = signed_terms(p + 1)
        if min(e for _, e in self.p1) < BITS:
            raise ValueError("p + 1 needs its terms at 2^13 or above")
        # 2^nbits = s (mod p), s = 2^nbits - p: folds the bits above 2^nbits back.
        self.s = signed_terms((1 << nbits) - p)


def _term(sign, expr, shift):
    e = "(%s << %d)" % (expr, shift) if shift else expr
    return ("+ " if sign > 0 else "- ") + e


def _carry_store(f, r, out, base):
    """Carry locals r[0..N-1] (any sign, total in [0, 2^(13N))) into 13-bit limbs stored
    at out[base + i], through a fold of the bits above 2^nbits."""
    n = f.n
    lines = ["c = 0"]
    for i in range(n - 1):
        lines.append("v = %s + c" % r[i])
        lines.append("%s = v & 0x%X" % (r[i], MASK))
        lines.append("c = v >> %d" % BITS)
    lines.append("v = %s + c" % r[n - 1])
    lines.append("h = v >> %d" % f.top)
    lines.append("%s = v & 0x%X" % (r[n - 1], (1 << f.top) - 1))
    adds = {}
    for sign, e in f.s:
        adds.setdefault(e // BITS, []).append(_term(sign, "h", e % BITS))
    lines.append("c = 0")
    for i in range(n):
        extra = " ".join(adds.get(i, []))
        lines.append("v = %s %s+ c" % (r[i], extra + " " if extra else ""))
        if i < n - 1:
            lines.append("%s[%s + %d] = v & 0x%X" % (out, base, i, MASK))
            lines.append("c = v >> %d" % BITS)
        else:
            lines.append("%s[%s + %d] = v" % (out, base, i))
    return lines


def _mul(f, square):
    n = f.n
    lines = ["a%d = int(ws[ia + %d])" % (i, i) for i in range(n)]
    if not square:
        lines += ["b%d = int(ws[ib + %d])" % (i, i) for i in range(n)]
    contrib = {}
    for j in range(n):
        for sign, e in f.p1:
            contrib.setdefault(j + e // BITS, []).append(_term(sign, "m%d" % j, e % BITS))
    lines.append("c = 0")
    for k in range(2 * n - 1):
        lo, hi = max(0, k - n + 1), min(k, n - 1)
        if square:
            expr = " + ".join("a%d * a%d" % (i, k - i) for i in range(lo, hi + 1) if i < k - i)
            if expr:
                expr = "2 * (%s)" % expr
            if k % 2 == 0:
                expr = (expr + " + " if expr else "") + "a%d * a%d" % (k // 2, k // 2)
        else:
            expr = " + ".join("a%d * b%d" % (i, k - i) for i in range(lo, hi + 1))
        extra = " ".join(contrib.get(k, []))
        lines.append("v = %s %s+ c" % (expr, extra + " " if extra else ""))
        if k < n:
            lines.append("m%d = v & 0x%X" % (k, MASK))
        else:
            lines.append("ws[id + %d] = v & 0x%X" % (k - n, MASK))
        lines.append("c = v >> %d" % BITS)
    lines.append("ws[id + %d] = c" % (n - 1))
    return lines


def _run(f, viper):
    n = f.n
    r = ["r%d" % i for i in range(n)]
    four_p = limbs(4 * f.p, n)
    body = ["i = 0", "while True:"]
    blk = [
        "op = int(prog[i])",
        "if op == 0:",
        "    break",
        "id = int(prog[i + 1]) * %d" % n,
        "ia = int(prog[i + 2]) * %d" % n,
        "b = int(prog[i + 3])",
        "ib = b * %d" % n,
        "i += 4",
        "if op == 1:",
    ]
    blk += ["    " + x for x in _mul(f, False)]
    blk.append("elif op == 2:")
    blk += ["    " + x for x in _mul(f, True)]
    blk.append("elif op == 5:")
    blk.append("    t = toff + ia")
    blk.append("    for k in range(%d):" % n)
    blk.append("        ws[id + k] = tab[t + k]")
    # LIN, op = 16 ka + kb + 8: d = ka a + kb b (+ 4 |kb| p if kb < 0), ka in 1..15,
    # kb in -8..7; one carry-and-fold block serves every linear step.
    blk.append("else:")
    blk.append("    ka = op >> 4")
    blk.append("    kb = (op & 15) - 8")
    blk.append("    kc = 0")
    blk.append("    if kb < 0:")
    blk.append("        kc = 0 - kb")
    blk += ["    %s = ka * int(ws[ia + %d]) + kb * int(ws[ib + %d]) + kc * %d"
            % (r[k], k, k, four_p[k]) for k in range(n)]
    blk += ["    " + x for x in _carry_store(f, r, "ws", "id")]
    body += ["    " + x for x in blk]
    sig = ("prog: ptr8, ws: ptr32, tab: ptr32, toff: int" if viper
           else "prog, ws, tab, toff")
    doc = ('    """Run prog (4-byte operations: op, d, a, b; slots of %d limbs of ws, a\n'
           '    LOADT source at tab[toff + a * %d]) until END (0):\n'
           '      1 MUL  d = a * b / 2^%d (mod p)    2 SQR d = a * a / 2^%d (mod p)\n'
           '      5 LOADT d = the tab slot a\n'
           '      16 ka + kb + 8: LIN d = ka a + kb b + (4 |kb| p if kb < 0)\n'
           '    Every result below 2^%d, in 13-bit limbs (the top one below 2^%d)."""'
           % (n, n, BITS * n, BITS * n, f.nbits + 1, f.top + 1))
    out = (["@micropython.viper"] if viper else []) + ["def run(%s):" % sig, doc]
    out += ["    " + x for x in body]
    return "\n".join(out)


HEAD = '''# Generated by tools/gen_ec_field.py; do not edit. %(what)s
#
# A field element mod p = %(pname)s is %(n)d limbs of 13 bits (limb i weighs 2^(13 i),
# array "i"); stored, every limb is in [0, 2^13) and the value below 2^%(nb1)d (not
# fully reduced). MUL (and SQR) is Montgomery's product a * b / 2^%(rbits)d by columns: p = -1 mod
# 2^13, so a column's multiplier m is its low limb and m * p = m * (p + 1) - m adds a
# few shifted copies of m to later columns (p + 1 = %(p1)s); a column is below
# %(n)d * (2^13 - 1)^2 + 2^25 < 2^31. LIN (ka a + kb b, ka < 16, |kb| <= 8, + 4|kb|p if kb < 0) folds the bits above
# 2^%(nb)d back with 2^%(nb)d = %(s)s (mod p). Locals may be negative (Python's >> and
# viper's int >> both floor), stored limbs never are. Range proof:
# host_tests/cpython/test_ec_range.py, on the plain twin.
'''


def _pname(f):
    return {"p256": "2^256 - 2^224 + 2^192 + 2^96 - 1",
            "p384": "2^384 - 2^128 - 2^96 + 2^32 - 1"}[f.name]


def _sum(terms):
    return " ".join(("+ " if s > 0 else "- ") + ("2^%d" % e if e else "1")
                    for s, e in sorted(terms, key=lambda t: -t[1])).lstrip("+ ")


def render(f, viper):
    if viper:
        what = ("The viper kernel of %s's field arithmetic for\n# nts.crypto.ec_limbs "
                "(used when nts.platform.viper_enabled()); its plain twin is\n"
                "# host_tests/portable/%s_twin.py, the same code without the annotations."
                % (f.name.upper(), f.name))
    else:
        what = ("Plain twin of firmware/nts/crypto/%s_viper.py: the same\n# code without "
                "the viper annotations, run by the portable tests and by the range proof."
                % f.name)
    head = HEAD % {"what": what, "pname": _pname(f), "n": f.n, "nb": f.nbits,
                   "nb1": f.nbits + 1, "rbits": BITS * f.n, "p1": _sum(f.p1),
                   "s": _sum(f.s)}
    if viper:
        head += "import micropython\n"
    return head + "\n\n" + _run(f, viper) + "\n"


def targets():
    for name, p, nbits in CURVES:
        f = Field(name, p, nbits)
        yield os.path.join(ROOT, "firmware", "nts", "crypto", name + "_viper.py"), f, True
        yield os.path.join(ROOT, "host_tests", "portable", name + "_twin.py"), f, False


def main():
    stale = []
    for path, f, viper in targets():
        text = render(f, viper)
        if "--check" in sys.argv:
            try:
                with open(path) as fh:
                    current = fh.read()
            except OSError:
                current = None
            if current != text:
                stale.append(path)
        else:
            with open(path, "w") as fh:
                fh.write(text)
    if stale:
        print("stale (run tools/gen_ec_field.py):", " ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
