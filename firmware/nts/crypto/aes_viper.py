"""Viper twin of nts.crypto.aes._blocks_plain (same blocks, same chaining, same result,
tested against it on the unix port); the round keys come as expand_key()'s flat bytes,
which viper reads as a ptr8. Imported only when nts.platform.viper_enabled().

The state bytes never exceed 255 and every table index is a byte, so no machine-word
masking is needed; four arguments keep within every port's viper calling convention.
"""
import micropython

from nts.crypto.aes_tables import SBOX, SBOX2, SBOX3


@micropython.viper
def blocks(rk: ptr8, buf: ptr8, n: int, chain: int):
    S = ptr8(SBOX)
    S2 = ptr8(SBOX2)
    S3 = ptr8(SBOX3)
    pairs = (int(rk[0]) - 2) >> 1
    o = 0
    while n > 0:
        if chain != 0 and o != 0:
            for i in range(o, o + 16):
                buf[i] = buf[i] ^ buf[i - 16]
        s0 = buf[o] ^ rk[1]
        s1 = buf[o + 1] ^ rk[2]
        s2 = buf[o + 2] ^ rk[3]
        s3 = buf[o + 3] ^ rk[4]
        s4 = buf[o + 4] ^ rk[5]
        s5 = buf[o + 5] ^ rk[6]
        s6 = buf[o + 6] ^ rk[7]
        s7 = buf[o + 7] ^ rk[8]
        s8 = buf[o + 8] ^ rk[9]
        s9 = buf[o + 9] ^ rk[10]
        s10 = buf[o + 10] ^ rk[11]
        s11 = buf[o + 11] ^ rk[12]
        s12 = buf[o + 12] ^ rk[13]
        s13 = buf[o + 13] ^ rk[14]
        s14 = buf[o + 14] ^ rk[15]
        s15 = buf[o + 15] ^ rk[16]
        k = 17
        for _ in range(pairs):
            t0 = S2[s0] ^ S3[s5] ^ S[s10] ^ S[s15] ^ rk[k]
            t1 = S[s0] ^ S2[s5] ^ S3[s10] ^ S[s15] ^ rk[k + 1]
            t2 = S[s0] ^ S[s5] ^ S2[s10] ^ S3[s15] ^ rk[k + 2]
            t3 = S3[s0] ^ S[s5] ^ S[s10] ^ S2[s15] ^ rk[k + 3]
            t4 = S2[s4] ^ S3[s9] ^ S[s14] ^ S[s3] ^ rk[k + 4]
            t5 = S[s4] ^ S2[s9] ^ S3[s14] ^ S[s3] ^ rk[k + 5]
            t6 = S[s4] ^ S[s9] ^ S2[s14] ^ S3[s3] ^ rk[k + 6]
            t7 = S3[s4] ^ S[s9] ^ S[s14] ^ S2[s3] ^ rk[k + 7]
            t8 = S2[s8] ^ S3[s13] ^ S[s2] ^ S[s7] ^ rk[k + 8]
            t9 = S[s8] ^ S2[s13] ^ S3[s2] ^ S[s7] ^ rk[k + 9]
            t10 = S[s8] ^ S[s13] ^ S2[s2] ^ S3[s7] ^ rk[k + 10]
            t11 = S3[s8] ^ S[s13] ^ S[s2] ^ S2[s7] ^ rk[k + 11]
            t12 = S2[s12] ^ S3[s1] ^ S[s6] ^ S[s11] ^ rk[k + 12]
            t13 = S[s12] ^ S2[s1] ^ S3[s6] ^ S[s11] ^ rk[k + 13]
            t14 = S[s12] ^ S[s1] ^ S2[s6] ^ S3[s11] ^ rk[k + 14]
            t15 = S3[s12] ^ S[s1] ^ S[s6] ^ S2[s11] ^ rk[k + 15]
            k += 16
            s0 = S2[t0] ^ S3[t5] ^ S[t10] ^ S[t15] ^ rk[k]
            s1 = S[t0] ^ S2[t5] ^ S3[t10] ^ S[t15] ^ rk[k + 1]
            s2 = S[t0] ^ S[t5] ^ S2[t10] ^ S3[t15] ^ rk[k + 2]
            s3 = S3[t0] ^ S[t5] ^ S[t10] ^ S2[t15] ^ rk[k + 3]
            s4 = S2[t4] ^ S3[t9] ^ S[t14] ^ S[t3] ^ rk[k + 4]
            s5 = S[t4] ^ S2[t9] ^ S3[t14] ^ S[t3] ^ rk[k + 5]
            s6 = S[t4] ^ S[t9] ^ S2[t14] ^ S3[t3] ^ rk[k + 6]
            s7 = S3[t4] ^ S[t9] ^ S[t14] ^ S2[t3] ^ rk[k + 7]
            s8 = S2[t8] ^ S3[t13] ^ S[t2] ^ S[t7] ^ rk[k + 8]
            s9 = S[t8] ^ S2[t13] ^ S3[t2] ^ S[t7] ^ rk[k + 9]
            s10 = S[t8] ^ S[t13] ^ S2[t2] ^ S3[t7] ^ rk[k + 10]
            s11 = S3[t8] ^ S[t13] ^ S[t2] ^ S2[t7] ^ rk[k + 11]
            s12 = S2[t12] ^ S3[t1] ^ S[t6] ^ S[t11] ^ rk[k + 12]
            s13 = S[t12] ^ S2[t1] ^ S3[t6] ^ S[t11] ^ rk[k + 13]
            s14 = S[t12] ^ S[t1] ^ S2[t6] ^ S3[t11] ^ rk[k + 14]
            s15 = S3[t12] ^ S[t1] ^ S[t6] ^ S2[t11] ^ rk[k + 15]
            k += 16
        t0 = S2[s0] ^ S3[s5] ^ S[s10] ^ S[s15] ^ rk[k]
        t1 = S[s0] ^ S2[s5] ^ S3[s10] ^ S[s15] ^ rk[k + 1]
        t2 = S[s0] ^ S[s5] ^ S2[s10] ^ S3[s15] ^ rk[k + 2]
        t3 = S3[s0] ^ S[s5] ^ S[s10] ^ S2[s15] ^ rk[k + 3]
        t4 = S2[s4] ^ S3[s9] ^ S[s14] ^ S[s3] ^ rk[k + 4]
        t5 = S[s4] ^ S2[s9] ^ S3[s14] ^ S[s3] ^ rk[k + 5]
        t6 = S[s4] ^ S[s9] ^ S2[s14] ^ S3[s3] ^ rk[k + 6]
        t7 = S3[s4] ^ S[s9] ^ S[s14] ^ S2[s3] ^ rk[k + 7]
        t8 = S2[s8] ^ S3[s13] ^ S[s2] ^ S[s7] ^ rk[k + 8]
        t9 = S[s8] ^ S2[s13] ^ S3[s2] ^ S[s7] ^ rk[k + 9]
        t10 = S[s8] ^ S[s13] ^ S2[s2] ^ S3[s7] ^ rk[k + 10]
        t11 = S3[s8] ^ S[s13] ^ S[s2] ^ S2[s7] ^ rk[k + 11]
        t12 = S2[s12] ^ S3[s1] ^ S[s6] ^ S[s11] ^ rk[k + 12]
        t13 = S[s12] ^ S2[s1] ^ S3[s6] ^ S[s11] ^ rk[k + 13]
        t14 = S[s12] ^ S[s1] ^ S2[s6] ^ S3[s11] ^ rk[k + 14]
        t15 = S3[s12] ^ S[s1] ^ S[s6] ^ S2[s11] ^ rk[k + 15]
        k += 16
        buf[o] = S[t0] ^ rk[k]
        buf[o + 1] = S[t5] ^ rk[k + 1]
        buf[o + 2] = S[t10] ^ rk[k + 2]
        buf[o + 3] = S[t15] ^ rk[k + 3]
        buf[o + 4] = S[t4] ^ rk[k + 4]
        buf[o + 5] = S[t9] ^ rk[k + 5]
        buf[o + 6] = S[t14] ^ rk[k + 6]
        buf[o + 7] = S[t3] ^ rk[k + 7]
        buf[o + 8] = S[t8] ^ rk[k + 8]
        buf[o + 9] = S[t13] ^ rk[k + 9]
        buf[o + 10] = S[t2] ^ rk[k + 10]
        buf[o + 11] = S[t7] ^ rk[k + 11]
        buf[o + 12] = S[t12] ^ rk[k + 12]
        buf[o + 13] = S[t1] ^ rk[k + 13]
        buf[o + 14] = S[t6] ^ rk[k + 14]
        buf[o + 15] = S[t11] ^ rk[k + 15]
        o += 16
        n -= 1
