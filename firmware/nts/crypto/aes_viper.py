"""Viper twin of nts.crypto.aes._blocks_plain (same blocks, same chaining, same result,
tested against it on the unix port); the round keys come as expand_key()'s flat bytes,
which viper reads as a ptr8. Imported only when nts.platform.viper_enabled().

Each round loads the state from buf into locals and writes the next state straight
back: one round body instead of the plain path's unrolled s->t->s pairs, about half the
native code (4.9 KB xtensawin, 3.6 KB armv7emsp; it sits in RAM when a .mpy is not
frozen) for ~18% more time per block. State bytes never exceed 255 and every table
index is a byte, so no machine-word masking is needed; four arguments keep within every
port's viper calling convention.
"""
import micropython

from nts.crypto.aes_tables import SBOX, SBOX2, SBOX3


@micropython.viper
def blocks(rk: ptr8, buf: ptr8, n: int, chain: int):
    S = ptr8(SBOX)
    S2 = ptr8(SBOX2)
    S3 = ptr8(SBOX3)
    nr = int(rk[0])
    o = 0
    while n > 0:
        for i in range(16):
            x = buf[o + i] ^ rk[1 + i]
            if chain != 0 and o != 0:
                x ^= buf[o + i - 16]
            buf[o + i] = x
        k = 17
        for _ in range(1, nr):
            s0 = buf[o]
            s1 = buf[o + 1]
            s2 = buf[o + 2]
            s3 = buf[o + 3]
            s4 = buf[o + 4]
            s5 = buf[o + 5]
            s6 = buf[o + 6]
            s7 = buf[o + 7]
            s8 = buf[o + 8]
            s9 = buf[o + 9]
            s10 = buf[o + 10]
            s11 = buf[o + 11]
            s12 = buf[o + 12]
            s13 = buf[o + 13]
            s14 = buf[o + 14]
            s15 = buf[o + 15]
            buf[o] = S2[s0] ^ S3[s5] ^ S[s10] ^ S[s15] ^ rk[k]
            buf[o + 1] = S[s0] ^ S2[s5] ^ S3[s10] ^ S[s15] ^ rk[k + 1]
            buf[o + 2] = S[s0] ^ S[s5] ^ S2[s10] ^ S3[s15] ^ rk[k + 2]
            buf[o + 3] = S3[s0] ^ S[s5] ^ S[s10] ^ S2[s15] ^ rk[k + 3]
            buf[o + 4] = S2[s4] ^ S3[s9] ^ S[s14] ^ S[s3] ^ rk[k + 4]
            buf[o + 5] = S[s4] ^ S2[s9] ^ S3[s14] ^ S[s3] ^ rk[k + 5]
            buf[o + 6] = S[s4] ^ S[s9] ^ S2[s14] ^ S3[s3] ^ rk[k + 6]
            buf[o + 7] = S3[s4] ^ S[s9] ^ S[s14] ^ S2[s3] ^ rk[k + 7]
            buf[o + 8] = S2[s8] ^ S3[s13] ^ S[s2] ^ S[s7] ^ rk[k + 8]
            buf[o + 9] = S[s8] ^ S2[s13] ^ S3[s2] ^ S[s7] ^ rk[k + 9]
            buf[o + 10] = S[s8] ^ S[s13] ^ S2[s2] ^ S3[s7] ^ rk[k + 10]
            buf[o + 11] = S3[s8] ^ S[s13] ^ S[s2] ^ S2[s7] ^ rk[k + 11]
            buf[o + 12] = S2[s12] ^ S3[s1] ^ S[s6] ^ S[s11] ^ rk[k + 12]
            buf[o + 13] = S[s12] ^ S2[s1] ^ S3[s6] ^ S[s11] ^ rk[k + 13]
            buf[o + 14] = S[s12] ^ S[s1] ^ S2[s6] ^ S3[s11] ^ rk[k + 14]
            buf[o + 15] = S3[s12] ^ S[s1] ^ S[s6] ^ S2[s11] ^ rk[k + 15]
            k += 16
        s0 = buf[o]
        s1 = buf[o + 1]
        s2 = buf[o + 2]
        s3 = buf[o + 3]
        s4 = buf[o + 4]
        s5 = buf[o + 5]
        s6 = buf[o + 6]
        s7 = buf[o + 7]
        s8 = buf[o + 8]
        s9 = buf[o + 9]
        s10 = buf[o + 10]
        s11 = buf[o + 11]
        s12 = buf[o + 12]
        s13 = buf[o + 13]
        s14 = buf[o + 14]
        s15 = buf[o + 15]
        buf[o] = S[s0] ^ rk[k]
        buf[o + 1] = S[s5] ^ rk[k + 1]
        buf[o + 2] = S[s10] ^ rk[k + 2]
        buf[o + 3] = S[s15] ^ rk[k + 3]
        buf[o + 4] = S[s4] ^ rk[k + 4]
        buf[o + 5] = S[s9] ^ rk[k + 5]
        buf[o + 6] = S[s14] ^ rk[k + 6]
        buf[o + 7] = S[s3] ^ rk[k + 7]
        buf[o + 8] = S[s8] ^ rk[k + 8]
        buf[o + 9] = S[s13] ^ rk[k + 9]
        buf[o + 10] = S[s2] ^ rk[k + 10]
        buf[o + 11] = S[s7] ^ rk[k + 11]
        buf[o + 12] = S[s12] ^ rk[k + 12]
        buf[o + 13] = S[s1] ^ rk[k + 13]
        buf[o + 14] = S[s6] ^ rk[k + 14]
        buf[o + 15] = S[s11] ^ rk[k + 15]
        o += 16
        n -= 1
