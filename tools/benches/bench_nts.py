# NTS protocol core: microseconds to build an NTS request and to verify a response, per
# AEAD (the AEAD dominates), the KE response parse, and the datagram sizes. The server
# answer is built here with the same codec. Run from the repo root under python or
# micropython.
import sys

sys.path.insert(0, "tools/benches")
from benchlib import emit, us_per_op  # noqa: E402

from nts import aead as aead_mod  # noqa: E402
from nts import ke, ntp, timescale  # noqa: E402
from nts.wire import Writer  # noqa: E402

T1 = timescale.from_unix(1764115200)
COOKIE = bytes(range(100))
NAMES = {15: "aes_siv_cmac_256", 30: "aes_128_gcm_siv"}


def answer(request, aead, s2c, cookies):
    hdr, fields = ntp.parse_packet(request)
    w = ntp.Header(mode=ntp.MODE_SERVER, stratum=1, orig_ts=hdr.xmit_ts,
                   recv_ts=timescale.to_ntp64(T1), xmit_ts=timescale.to_ntp64(T1)).encode()
    ntp.encode_extension_field(ntp.EF_UNIQUE_ID, fields[0][1], w)
    pt = Writer()
    for c in cookies:
        ntp.encode_extension_field(ntp.EF_COOKIE, c, pt)
    nonce = bytes(aead_mod.NONCE_LENGTHS[aead])
    ct = aead_mod.encrypt(aead, s2c, nonce, pt.getvalue(), w.getvalue())
    ntp.encode_extension_field(ntp.EF_AUTHENTICATOR, ntp.encode_authenticator(nonce, ct), w)
    return w.getvalue()


def main():
    for aead in (15, 30):
        n = aead_mod.KEY_LENGTHS[aead]
        c2s, s2c = bytes(n), bytes(range(n))
        name = NAMES[aead]
        for placeholders in (0, 7):
            tag = "%s.placeholders%d" % (name, placeholders)
            emit("nts", "build_request." + tag,
                 us_per_op(lambda: ntp.build_request(aead, c2s, s2c, COOKIE, placeholders, T1)),
                 "us")
            data, req = ntp.build_request(aead, c2s, s2c, COOKIE, placeholders, T1)
            resp = answer(data, aead, s2c, [COOKIE] * (placeholders + 1))
            emit("nts", "request_bytes." + tag, len(data), "B")
            emit("nts", "response_bytes." + tag, len(resp), "B")

            def verify():
                req.answered = False
                ntp.verify_response(req, resp)
            emit("nts", "verify_response." + tag, us_per_op(verify), "us")
    records = [(True, 1, b"\x00\x00"), (True, 4, b"\x00\x0f")]
    records += [(False, 5, COOKIE)] * 8 + [(True, 0, b"")]
    ke_resp = ke.build_records(records)
    emit("nts", "ke_parse_response.8_cookies",
         us_per_op(lambda: ke.parse_response(ke_resp, aead_mod.DEFAULT_AEADS)), "us")
    emit("nts", "ke_request_bytes.default", len(ke.build_request()), "B")
    emit("nts", "ke_response_bytes.8_cookies", len(ke_resp), "B")


main()
