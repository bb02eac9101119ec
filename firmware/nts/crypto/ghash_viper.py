"""Viper twin of nts.crypto.ghash._absorb_plain. Imported only when
nts.platform.viper_enabled(); tests run both on the unix port and compare them.

Same algorithm (Horner over the bytes of X, MH/ML nibble tables), but the value lives in
four 32-bit machine words: a viper int is a machine word, so no bignum is ever made.
Every value is built to stay below 2^32 (bytes shifted by at most 24, words shifted
right); the table words are masked with `mask` (0xFFFFFFFF, an argument because that
literal does not compile in viper on 32-bit ports) so a sign-extending load cannot leak
high bits into the shifts. Every shifted variable is typed uint, so `>>` is a logical
shift (viper emits LSR for a uint left operand, ASR for int): on a 32-bit port a word
with bit 31 set must not sign-extend. Four arguments keep within every port's viper
convention.
"""
import struct
from array import array

import micropython


def pack_tables(mh, ml):
    """ctx words: 0-3 running value (word 0 most significant), 4-67 MH, 68-131 ML."""
    ctx = array("I", bytes(4 * 132))
    i = 4
    for v in mh + ml:
        ctx[i], ctx[i + 1], ctx[i + 2], ctx[i + 3] = struct.unpack(">4I", v.to_bytes(16, "big"))
        i += 4
    return ctx


@micropython.viper
def absorb(ctx: ptr32, data: ptr8, nrev: int, mask: uint):
    """Absorb nrev >> 1 whole blocks of data; with nrev & 1 each block is byte-reversed
    (POLYVAL). ctx[0:4] = (ctx[0:4] ^ block) * H per block."""
    n = nrev >> 1
    rev = nrev & 1
    y0 = uint(ctx[0]) & mask
    y1 = uint(ctx[1]) & mask
    y2 = uint(ctx[2]) & mask
    y3 = uint(ctx[3]) & mask
    o = 0
    while n > 0:
        if rev:
            x0 = y0 ^ (uint(data[o + 15]) << 24 | uint(data[o + 14]) << 16
                       | uint(data[o + 13]) << 8 | uint(data[o + 12]))
            x1 = y1 ^ (uint(data[o + 11]) << 24 | uint(data[o + 10]) << 16
                       | uint(data[o + 9]) << 8 | uint(data[o + 8]))
            x2 = y2 ^ (uint(data[o + 7]) << 24 | uint(data[o + 6]) << 16
                       | uint(data[o + 5]) << 8 | uint(data[o + 4]))
            x3 = y3 ^ (uint(data[o + 3]) << 24 | uint(data[o + 2]) << 16
                       | uint(data[o + 1]) << 8 | uint(data[o]))
        else:
            x0 = y0 ^ (uint(data[o]) << 24 | uint(data[o + 1]) << 16
                       | uint(data[o + 2]) << 8 | uint(data[o + 3]))
            x1 = y1 ^ (uint(data[o + 4]) << 24 | uint(data[o + 5]) << 16
                       | uint(data[o + 6]) << 8 | uint(data[o + 7]))
            x2 = y2 ^ (uint(data[o + 8]) << 24 | uint(data[o + 9]) << 16
                       | uint(data[o + 10]) << 8 | uint(data[o + 11]))
            x3 = y3 ^ (uint(data[o + 12]) << 24 | uint(data[o + 13]) << 16
                       | uint(data[o + 14]) << 8 | uint(data[o + 15]))
        z0 = uint(0)
        z1 = uint(0)
        z2 = uint(0)
        z3 = uint(0)
        w = 0
        while w < 4:
            if w == 0:
                x = x3
            elif w == 1:
                x = x2
            elif w == 2:
                x = x1
            else:
                x = x0
            s = 0
            while s < 4:
                b = x & 0xFF
                x = x >> 8
                hi = int(4 + ((b >> 4) << 2))
                lo = int(68 + ((b & 15) << 2))
                t = z3 & 0xFF
                z3 = (((z2 & 0xFF) << 24) | (z3 >> 8)) ^ ((uint(ctx[hi + 3]) ^ uint(ctx[lo + 3])) & mask)
                z2 = (((z1 & 0xFF) << 24) | (z2 >> 8)) ^ ((uint(ctx[hi + 2]) ^ uint(ctx[lo + 2])) & mask)
                z1 = (((z0 & 0xFF) << 24) | (z1 >> 8)) ^ ((uint(ctx[hi + 1]) ^ uint(ctx[lo + 1])) & mask)
                z0 = ((z0 >> 8) ^ (((t << 8) ^ (t << 7) ^ (t << 6) ^ (t << 1)) << 16)
                      ^ ((uint(ctx[hi]) ^ uint(ctx[lo])) & mask))
                s += 1
            w += 1
        y0 = z0
        y1 = z1
        y2 = z2
        y3 = z3
        o += 16
        n -= 1
    ctx[0] = y0
    ctx[1] = y1
    ctx[2] = y2
    ctx[3] = y3
