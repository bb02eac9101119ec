"""tools/benches/host_thumb.py finds every viper kernel's machine code in its armv7emsp
.mpy (a heuristic scan) and counts straight-line kernels only."""
import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "benches"))
CRYPTO = os.path.join(ROOT, "firmware", "nts", "crypto")

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-objdump") is None,
                                reason="binutils-arm-none-eabi not installed")


def test_every_kernel_is_found_and_loops_are_not_counted():
    import host_thumb
    for f in sorted(os.listdir(CRYPTO)):
        if f.endswith("_viper.py"):
            assert host_thumb.kernels(os.path.join(CRYPTO, f))     # raises on a miscount
    x = dict((k[0], k[1:]) for k in host_thumb.kernels(os.path.join(CRYPTO, "x25519_viper.py")))
    assert sorted(x) == ["cswap", "fadd", "fmul", "fmul_small", "fsq", "fsub"]
    # A product has 400 limb products, a square 210: at least one multiply each.
    assert x["fmul"][0] > 400 and x["fsq"][0] > 210 and x["fmul"][0] > x["fsq"][0]
    aes = host_thumb.kernels(os.path.join(CRYPTO, "aes_viper.py"))
    assert [k[1] for k in aes] == [None]        # a loop over blocks: no static count
