# Plain NTPv4 (RFC 5905) for servers whose Mode is NTPv4, allowed only in a group that
# permits it (nts.config: never the legal group unless configured so). Unauthenticated:
# anyone on the path can forge an answer, so the defences are a random transmit
# timestamp (RFC 9109) that the answer's origin field must echo, one answer per request,
# and the selection outvoting a liar. Same interface as NTSAssociation, so the engine
# drives both alike; there are no keys and no cookies, so never a key exchange.
from nts import ntp, reply
from nts.association import ACTION_QUERY
from nts.errors import NTSError
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

    def receive(self, req, data, t4):
        """The nts.reply.Outcome of datagram `data`: DROP unless it answers req; a kiss
        counts (unauthenticated, as every plain NTP answer: RFC 5905 7.4 says to honour
        it)."""
        try:
            header, _ = ntp.answer_header(req, data)
        except NTSError as e:      # ParseError, NTPError
            return reply.Outcome(reply.DROP, str(e))
        o = reply.judge(header, req.t1, t4, self.asymmetry)
        if o.kind != reply.DROP:
            req.answered = True     # one answer per request; an ignored kiss is none
        return o

    def __repr__(self):
        return "PlainAssociation(%s:%d)" % (self.ntp_server, self.ntp_port)
