# A test double of an NTS server's NTP side, shared by the portable NTS tests: builds the
# answer a server would send for our request bytes (firmware code never imports this).
from nts import aead as aead_mod
from nts import ntp, timescale
from nts.wire import Writer

C2S = bytes(range(32))
S2C = bytes(range(32, 64))
C2S16 = C2S[:16]
S2C16 = S2C[:16]
T1 = timescale.from_unix(1764115200)          # 2025-11-26T00:00:00Z
SEC = timescale.NS_PER_S


def ts(ns):
    return timescale.to_ntp64(ns)


def server_answer(request, s2c, aead=15, cookies=(b"C" * 100,), t2=None, t3=None,
                  stratum=2, leap=0, uid=None, kiss=None, mode=4, plain_cookies=(),
                  extra_after_auth=None, nonce=None, tamper=False, no_auth=False,
                  zero_ts=False):
    """What a server would send for request bytes (a test double, not firmware)."""
    hdr, fields = ntp.parse_packet(request)
    req_uid = [b for t, b, _ in fields if t == ntp.EF_UNIQUE_ID][0]
    t2 = T1 + SEC if t2 is None else t2
    t3 = t2 + 1000 if t3 is None else t3
    out = ntp.Header(leap=leap, mode=mode, stratum=stratum, poll=hdr.poll, precision=-20,
                     root_delay=0x00010000, root_disp=0x00008000,
                     refid=kiss or b"GPS\x00", ref_ts=ts(t2 - SEC), orig_ts=hdr.xmit_ts,
                     recv_ts=0 if zero_ts else ts(t2), xmit_ts=0 if zero_ts else ts(t3)).encode()
    ntp.encode_extension_field(ntp.EF_UNIQUE_ID, req_uid if uid is None else uid, out)
    for c in plain_cookies:
        ntp.encode_extension_field(ntp.EF_COOKIE, c, out)
    if kiss == b"NTSN" or no_auth:
        return out.getvalue()
    pt = Writer()
    for c in cookies:
        ntp.encode_extension_field(ntp.EF_COOKIE, c, pt)
    nonce = nonce or (b"N" * aead_mod.NONCE_LENGTHS[aead])
    ct = aead_mod.encrypt(aead, s2c, nonce, pt.getvalue(), out.getvalue())
    if tamper:
        ct = ct[:-1] + bytes([ct[-1] ^ 1])
    ntp.encode_extension_field(ntp.EF_AUTHENTICATOR, ntp.encode_authenticator(nonce, ct), out)
    if extra_after_auth:
        ntp.encode_extension_field(extra_after_auth, b"\x00" * 12, out)
    return out.getvalue()
