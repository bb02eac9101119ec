"""tools/benches/host_thumb.py finds every viper kernel's machine code in its armv7emsp
.mpy (a heuristic scan) and disassembles it."""
import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "benches"))
CRYPTO = os.path.join(ROOT, "firmware", "nts", "crypto")

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-objdump") is None,
                                reason="binutils-arm-none-eabi not installed")


def test_every_kernel_is_found():
    import host_thumb
    for f in sorted(os.listdir(CRYPTO)):
        if f.endswith("_viper.py"):
            assert host_thumb.kernels(os.path.join(CRYPTO, f))     # raises on a miscount
    # The X25519 kernel holds a 20-limb product and square: at least 400 + 210 multiplies.
    (name, n, muls, size), = host_thumb.kernels(os.path.join(CRYPTO, "x25519_viper.py"))
    assert name == "run" and muls >= 610 and n > muls and size > 2 * n
