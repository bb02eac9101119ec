"""Board-time estimates from executed instructions of the MicroPython unix port.

How: run a snippet under `valgrind --tool=callgrind` in the unix port once with the
operation repeated N times and once with it repeated 0 times; the difference divided by
N is the operation's instruction count (start-up, imports and setup cancel out).

Scaling: NS_PER_INSTRUCTION converts that count to STM32F405 (Cortex-M4, 168 MHz) time.
It rests on one anchor, issue 14's Cortex-M4 measurement (MicroPython's qemu port,
cycles calibrated against published STM32F405 timings): the X25519 shared secret of
nts.crypto.x25519 at commit 971526e (mpz fold arithmetic) took 0.37 s there and
executes 33.5 M instructions here, so 11.0 ns per unix-port instruction. The earlier
calibration (0.66 s for 50.46 M instructions of the naive ladder, 13.1 ns) is the same
within 20 %. Cross-check, same scaling: three P-256 verifies (an ECDSA chain) estimate
at ~1.7 s against the measured 1.9 s. Limits: the x86-64 port's mpz uses 32-bit digits
(a board's 16-bit), its small ints are 62-bit (a board's 30-bit, where 32-bit values
are bignums), and viper compiles to x86 code; so the estimate is best for interpreter-
and mpz-bound code like the anchor and only indicative for viper kernels.

    python tools/benches/boardtime.py     # prints the anchor figure again
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
NS_PER_INSTRUCTION = 11.0

_TEMPLATE = """import sys
sys.path.insert(0, "firmware")
sys.path.insert(0, "host_tests/portable")
%s
def _op():
%s
for _ in range(%d):
    _op()
"""


def _indent(code):
    return "\n".join("    " + line for line in code.strip().splitlines())


def _collected(script, env):
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        MICROPYTHON, "-X", "heapsize=4000000", script],
                       cwd=ROOT, capture_output=True, text=True, env=env, timeout=1200)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode or not m:
        raise RuntimeError("callgrind run failed: %s" % (p.stderr[-800:] or p.stdout[-800:]))
    return int(m.group(1))


def instructions(setup, op, n=3, env=None):
    """Unix-port instructions of one run of `op` (code, may use names from `setup`)."""
    run_env = dict(os.environ)
    run_env.update(env or {})
    counts = []
    with tempfile.TemporaryDirectory() as d:
        for reps in (0, n):
            path = os.path.join(d, "op%d.py" % reps)
            with open(path, "w") as f:
                f.write(_TEMPLATE % (setup, _indent(op), reps))
            counts.append(_collected(path, run_env))
    return (counts[1] - counts[0]) / n


def board_ms(instr):
    return instr * NS_PER_INSTRUCTION / 1e6


if __name__ == "__main__":
    i = instructions("from nts.crypto import x25519\nfrom nts import slices\n"
                     "a = bytes(range(32))\nb = bytes(range(1, 33))",
                     "slices.run(x25519.shared_steps(a, b))", env={"NTS_VIPER": "0"})
    print("x25519 shared: %.2f M instructions, board estimate %.0f ms" % (i / 1e6, board_ms(i)))
