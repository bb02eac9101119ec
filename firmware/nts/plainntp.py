# Plain NTPv4 (RFC 5905) for servers whose Mode is NTPv4, allowed only in a group that
# permits it (nts.config: never the legal group unless configured so). Unauthenticated:
# anyone on the path can forge an answer, so the defences are a random transmit
# timestamp (RFC 9109) that the answer's origin field must echo, one answer per request,
# and the selection outvoting a liar. Same interface as NTSAssociation, so the engine
# drives both alike; there are no keys and no cookies, so never a key exchange.
from nts import ntp
from nts.association import ACTION_QUERY, Sample
from nts.errors import KissOfDeath, NTPError
from nts.platform import random_bytes


class PlainRequest:
    def __init__(self, xmit_ts, t1):
        self.xmit_ts = xmit_ts
        self.t1 = t1
        self.answered = False


class PlainAssociation:
    aead = None
    cookies = ()

    def __init__(self, host, port, asymmetry=0):
        self.ntp_server = host
        self.ntp_port = port
        self.asymmetry = asymmetry

    def action(self):
        return ACTION_QUERY

    def make_request(self, t1, poll=0):
        xmit_ts = int.from_bytes(random_bytes(8), "big")
        data = ntp.Header(mode=ntp.MODE_CLIENT, poll=poll, xmit_ts=xmit_ts).encode().getvalue()
        return data, PlainRequest(xmit_ts, t1)

    def handle_response(self, req, data, t4):
        """A Sample; NTPError/ParseError for a packet to ignore; KissOfDeath for a kiss
        (unauthenticated, as every plain NTP answer: RFC 5905 7.4 says to honour it)."""
        if req.answered:
            raise NTPError("request already answered")
        header, _ = ntp.parse_packet(data)
        if header.mode != ntp.MODE_SERVER or header.version != ntp.VERSION:
            raise NTPError("not an NTPv4 server response")
        if header.orig_ts != req.xmit_ts:
            raise NTPError("origin timestamp does not match our request")
        req.answered = True
        code = header.kiss_code()
        if code is not None:
            raise KissOfDeath(code)
        t2, t3 = ntp.check_sample(header, req.t1)
        offset, delay = ntp.offset_delay(req.t1, t2, t3, t4, self.asymmetry)
        return Sample(offset, max(delay, 0), header, req.t1, t4)

    def __repr__(self):
        return "PlainAssociation(%s:%d)" % (self.ntp_server, self.ntp_port)
