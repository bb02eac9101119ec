"""Generate the 32-bit-safe limb kernels of P-256 and P-384 (firmware/nts/crypto/
p256_viper.py, p384_viper.py) and their plain twins (host_tests/portable/p256_twin.py,
p384_twin.py) from one description, so each pair is the same code but for the viper
annotations.

Why one interpreter function per curve: calling viper from Python costs ~1-1.5k unix-port
instructions per call, as much as a third of a field multiplication, so a whole slice of
work (the odd multiples of a point and their affine forms, or a run of a walk's
doublings and additions) is ONE call: `run` executes a program of field operations that
nts.crypto.ec_limbs assembles, over a workspace of limb slots. Each operation's code
exists once (straight-line over locals: viper pays per statement, and a loop or an array
access costs as much as the arithmetic), which keeps the native code small. A product
term is `v = ai * x + v` with the accumulator and the multiplier in the two register
locals (the X25519 kernel's shape, tools/gen_x25519_field.py).

The limb count is a parameter (CURVES below): 13-bit limbs, N = ceil(bits / 13).

    python tools/gen_ec_field.py            # rewrite the four files
    python tools/gen_ec_field.py --check    # exit 1 if any is stale
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BITS = 13
MASK = (1 << BITS) - 1

# name, p, bits of p, compact: P-384's code in the shorter forms of _mul and _run (in
# the faster ones its plain twin overflows MicroPython's bytecode: the interpreter
# loop's jumps)
CURVES = (
    ("p256", 2**256 - 2**224 + 2**192 + 2**96 - 1, 256, False),
    ("p384", 2**384 - 2**128 - 2**96 + 2**32 - 1, 384, True),
)


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
    def __init__(self, name, p, nbits, compact):
        self.name = name
        self.compact = compact
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


SUB = 16 + 7   # LIN with ka = 1, kb = -1, a third of a verification's linear steps


def _linear(f, r, four_p, sub=False):
    """LIN: d = ka a + kb b (+ kc 4p), limb by limb with the carry in the register `v`
    into locals r[i], then the bits above 2^nbits folded back (2^nbits = s mod p) and
    stored as 13-bit limbs. sub: the code for ka = 1, kb = -1 alone (no products)."""
    n = f.n
    lines = ["v = 0"]
    for k in range(n):
        if sub:
            lines.append("v = int(ws[ia + %d]) - int(ws[ib + %d]) + %d + v"
                         % (k, k, four_p[k]))
        else:
            lines.append("v = ka * int(ws[ia + %d]) + kb * int(ws[ib + %d]) + kc * %d + v"
                         % (k, k, four_p[k]))
        if k < n - 1:
            lines += ["%s = v & 0x%X" % (r[k], MASK), "v = v >> %d" % BITS]
    lines += ["h = v >> %d" % f.top, "%s = v & 0x%X" % (r[n - 1], (1 << f.top) - 1)]
    adds = {}
    for sign, e in f.s:
        adds.setdefault(e // BITS, []).append(_term(sign, "h", e % BITS))
    lines.append("v = 0")
    for i in range(n):
        extra = " ".join(adds.get(i, []))
        lines.append("v = %s %s+ v" % (r[i], extra + " " if extra else ""))
        if i < n - 1:
            lines += ["ws[id + %d] = v & 0x%X" % (i, MASK), "v = v >> %d" % BITS]
        else:
            lines.append("ws[id + %d] = v" % i)
    return lines


def _mul(f, square):
    """Montgomery's product by columns: in the accumulator `v` with the multiplier in `x`
    (the kernel's two register locals; `x` set only when it changes), a term is
    `v = ai * x + v`, and a square multiplies by d_j = 2 a_j once per pair; compact:
    a column is one expression."""
    if f.compact:
        return _mul_columns(f, square)
    n = f.n
    lines = ["a%d = int(ws[ia + %d])" % (i, i) for i in range(n)]
    if square:
        lines += ["d%d = a%d + a%d" % (j, j, j) for j in range(1, n)]
    else:
        lines += ["b%d = int(ws[ib + %d])" % (i, i) for i in range(n)]
    contrib = {}
    for j in range(n):
        for sign, e in f.p1:
            contrib.setdefault(j + e // BITS, []).append((sign, "m%d" % j, e % BITS))
    held = [None]

    def term(i, mult):
        if held[0] != mult:
            lines.append("x = %s" % mult)
            held[0] = mult
        lines.append("v = a%d * x + v" % i)
    lines.append("v = 0")
    for k in range(2 * n - 1):
        lo, hi = max(0, k - n + 1), min(k, n - 1)
        pairs = [(i, k - i) for i in range(lo, hi + 1)]
        if k % 2:
            pairs.reverse()     # a column often starts with the last one's multiplier
        for i, j in pairs:
            if not square:
                term(i, "b%d" % j)
            elif i < j:
                term(i, "d%d" % j)
            elif i == j:
                term(i, "a%d" % j)
        for sign, m, shift in contrib.get(k, []):
            e = "(%s << %d)" % (m, shift) if shift else m
            lines.append("v = %s + v" % e if sign > 0 else "v = v - %s" % e)
        if k < n:
            lines.append("m%d = v & 0x%X" % (k, MASK))
        else:
            lines.append("ws[id + %d] = v & 0x%X" % (k - n, MASK))
        lines.append("v = v >> %d" % BITS)
    lines.append("ws[id + %d] = v" % (n - 1))
    return lines


def _mul_columns(f, square):
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
    body = ["main = prog", "insub = 0", "ret = 0", "i = 0", "while True:"]
    # A call (DIG, DBL) runs a program of sub until its END, then returns.
    call = ["ret = i", "insub = 1", "prog = sub"]
    blk = [
        "op = int(prog[i])",
        "if op == 0:",
        "    if insub == 0:",
        "        break",
        "    prog = main",
        "    i = ret",
        "    insub = 0",
        "    continue",
        "id = int(prog[i + 1]) * %d" % n,
        "a = int(prog[i + 2])",
        "ia = a * %d" % n,
        "b = int(prog[i + 3])",
        "ib = b * %d" % n,
        "i += 4",
        "if op == 1:",
    ]
    blk += ["    " + x for x in _mul(f, False)]
    blk.append("elif op == 2:")
    blk += ["    " + x for x in _mul(f, True)]
    # DIG a, b: digit byte dig[a] (two's complement, odd or 0) of a NAF and its table
    # of odd multiples from slot b: for d != 0 the point |d| P goes to slots 9, 10 and
    # sub's program SET+ / SET- (dig[0] = 0: nothing started) or ADD+ / ADD- runs
    # (sub[0..3]: their first operations); dig[0] becomes 1.
    blk += ["elif op == 3:",
            "    d = int(dig[a])",
            "    if d != 0:",
            "        s = 0",
            "        if d >= 128:",
            "            s = 1",
            "            d = 256 - d",
            "        t = (b + (d >> 1) * 2) * %d" % n,
            "        for k in range(%d):" % n,
            "            ws[%d + k] = ws[t + k]" % (9 * n),
            "            ws[%d + k] = ws[t + %d + k]" % (10 * n, n),
            "        if int(dig[0]) != 0:",
            "            s += 2",
            "        dig[0] = 1"] + ["        " + c for c in call] + [
            "        i = int(sub[s]) * 4"]
    # DBL: sub's program sub[4] (the doubling) once something started.
    blk += ["elif op == 4:",
            "    if int(dig[0]) != 0:"] + ["        " + c for c in call] + [
            "        i = int(sub[4]) * 4"]
    blk.append("elif op == 5:")
    blk.append("    for k in range(%d):" % n)
    blk.append("        ws[id + k] = ws[ia + k]")
    # LIN, op = 16 ka + kb + 8: d = ka a + kb b (+ 4 |kb| p if kb < 0), ka in 1..15,
    # kb in -8..7; one carry-and-fold block serves every linear step (but d = a - b
    # where not compact).
    if not f.compact:
        blk.append("elif op == %d:" % SUB)
        blk += ["    " + x for x in _linear(f, r, four_p, sub=True)]
    blk.append("else:")
    blk.append("    ka = op >> 4")
    blk.append("    kb = (op & 15) - 8")
    blk.append("    kc = 0")
    blk.append("    if kb < 0:")
    blk.append("        kc = 0 - kb")
    blk += ["    " + x for x in _linear(f, r, four_p)]
    body += ["    " + x for x in blk]
    sig = ("v: int, x: int, prog: ptr8, ws: ptr32, dig: ptr8, sub: ptr8" if viper
           else "v, x, prog, ws, dig, sub")
    doc = ('    """Run prog (4-byte operations: op, d, a, b; slots of %d limbs of ws) until\n'
           '    END (0):\n'
           '      1 MUL  d = a * b / 2^%d (mod p)    2 SQR d = a * a / 2^%d (mod p)\n'
           '      3 DIG  the walk\'s addition of NAF digit dig[a], table at slot b\n'
           '      4 DBL  the walk\'s doubling, once dig[0] says it started\n'
           '      5 COPY d = a\n'
           '      16 ka + kb + 8: LIN d = ka a + kb b + (4 |kb| p if kb < 0)\n'
           '    Every result below 2^%d, in 13-bit limbs (the top one below 2^%d); d may\n'
           '    be an operand. v and x are scratch (pass 0, 0): viper keeps a function\'s\n'
           '    first two locals in registers."""'
           % (n, BITS * n, BITS * n, f.nbits + 1, f.top + 1))
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
    for name, p, nbits, compact in CURVES:
        f = Field(name, p, nbits, compact)
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
