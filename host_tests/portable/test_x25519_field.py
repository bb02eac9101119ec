# X25519's 32-bit-safe ladder kernel (nts.crypto.x25519_viper) and its plain twin
# (x25519_twin.py, generated together by tools/gen_x25519_field.py): the ladder and
# inversion of nts.crypto.x25519 on the twin give RFC 7748's answers on every interpreter
# (on the WebAssembly port with the boards' 31-bit small ints), and the viper kernel,
# where this port has viper, computes exactly what the twin does (selects and every
# operation of every program). The range proof is CPython's test_x25519_range.
from array import array

import x25519_twin
from nts import slices
from nts.crypto import x25519
from portability import require_viper
from support import h, hx


def _twin_x25519(k, u):
    return slices.run(x25519._limb_shared_steps(
        x25519._decode_scalar(k), int.from_bytes(u, "little") & x25519._MASK,
        x25519_twin)).to_bytes(32, "little")


def test_twin_ladder_rfc7748_5_2():
    assert hx(_twin_x25519(
        h("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
        h("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))) == \
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"


def _state(seed):
    # Deterministic limbs up to the normalized bounds (limb 2 to 2^13 + 2, limb 19 to
    # 2^8) in every slot, the first slot's all at the bound.
    out = array("i", bytes(80 * x25519_twin.SLOTS))
    x = seed
    for n in range(20 * x25519_twin.SLOTS):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        i = n % 20
        bound = 256 if i == 19 else (8194 if i == 2 else 8192)
        out[n] = bound - 1 if n < 20 else x % bound
    return out


def test_viper_kernel_matches_plain_twin():
    require_viper()
    from nts.crypto import x25519_viper as kernel
    assert kernel.SLOTS == x25519_twin.SLOTS
    programs = ((kernel.STEP, x25519_twin.STEP, 250), (kernel.DOUBLE, x25519_twin.DOUBLE, 252),
                (kernel.INVERT, x25519_twin.INVERT, 254))
    for seed in range(6):
        for prog, twin_prog, first in programs:
            st1 = _state(seed)
            st2 = array("i", st1)
            sw = bytes((seed * 37 + i * 91) & 0xFF for i in range(32))
            kernel.run(0, 0, st1, prog, sw, first - seed, 255 - seed // 2)
            x25519_twin.run(0, 0, st2, twin_prog, sw, first - seed, 255 - seed // 2)
            assert st1 == st2, (seed, first)
