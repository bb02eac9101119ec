# One NTS association: the keys and cookies from one NTS-KE session, turned into NTP
# requests and verified samples. Sans-IO: the I/O shell owns the socket and the clock and
# passes times in (ns since 1900, see nts.timescale).
#
#   assoc = NTSAssociation(ke_result)            # ke_result with keys derived
#   while assoc.action() == ACTION_QUERY:
#       data, req = assoc.make_request(t1)       # send data at t1
#       ... for each datagram received (at t4) until the query ends (nts.query):
#       outcome = assoc.receive(req, datagram, t4)      # an nts.reply.Outcome
#   ... ACTION_KEY_EXCHANGE: run NTS-KE again, make a new association.
#
# receive: DROP for a packet that is not the authenticated answer (malformed, forged,
# stale, duplicate); NAK for an NTS NAK, after updating the state below; otherwise what
# nts.reply.judge makes of the authenticated header, after keeping the cookies that
# came with it (a kiss too).
#
# NTS NAK policy: a NAK means the server could not use our cookie or key. If the key
# exchange left chrony's alternate AES-128-GCM-SIV keys (see ke.KEResult.derive_keys)
# and no good response has arrived since, switch to them once and keep the cookies, as
# chrony's client does. Otherwise ask for a key exchange at the next poll unless a good
# response arrives first (RFC 8915 5.7: wait for the next poll, then re-key).
from nts import ntp, reply
from nts.cookies import CookieStash
from nts.errors import KEError, NTSError

ACTION_QUERY = "query"
ACTION_KEY_EXCHANGE = "key_exchange"


class NTSAssociation:
    """aead, cookies (a CookieStash), ntp_server, ntp_port are public; keys are not."""

    def __init__(self, ke_result, asymmetry=0):
        if ke_result.c2s is None:
            raise KEError("NTS-KE keys not derived")
        self.aead = ke_result.aead
        self.ntp_server = ke_result.ntp_server
        self.ntp_port = ke_result.ntp_port
        self.asymmetry = asymmetry
        self.signing_key = getattr(ke_result, "signing_key", None)  # (id, point): nts.signed
        self.cookies = CookieStash(ke_result.cookies)
        self._c2s = ke_result.c2s
        self._s2c = ke_result.s2c
        self._alt = None
        if ke_result.alt_c2s is not None:
            self._alt = (ke_result.alt_c2s, ke_result.alt_s2c)
        self._good = False     # a valid response since the key exchange
        self._nak = False      # a NAK not yet followed by a valid response
        self.switched_keys = False

    def action(self):
        if self._nak or not len(self.cookies):
            return ACTION_KEY_EXCHANGE
        return ACTION_QUERY

    def make_request(self, t1, poll=0, extra=()):
        """(datagram, Request) using the oldest cookie; KEError when none is left.
        extra: (type, body) fields to authenticate too (nts.signed's request)."""
        before = len(self.cookies)
        cookie = self.cookies.take()
        if cookie is None:
            raise KEError("no cookies left: key exchange needed")
        wanted = ntp.placeholders_for(before, len(cookie))
        return ntp.build_request(self.aead, self._c2s, self._s2c, cookie, wanted, t1, poll,
                                 extra=extra)

    def receive(self, req, data, t4):
        """The nts.reply.Outcome of datagram `data` for req (see the module comment)."""
        try:
            resp = ntp.verify_response(req, data)
        except NTSError as e:      # ParseError, NTPError, AuthError: not our answer
            return reply.Outcome(reply.DROP, str(e))
        if resp.nak:
            self._on_nak()
            return reply.Outcome(reply.NAK, "NTS NAK")
        for c in resp.cookies:
            self.cookies.add(c)
        self._good = True
        self._nak = False
        return reply.judge(resp.header, req.t1, t4, self.asymmetry)

    def keys(self):
        """(c2s, s2c) in use: only for power-safe persistence (nts.state); never log."""
        return self._c2s, self._s2c

    def _on_nak(self):
        if self._alt is not None and not self._good and not self.switched_keys:
            self._c2s, self._s2c = self._alt
            self._alt = None
            self.switched_keys = True
        else:
            self._nak = True

    def __repr__(self):
        return "NTSAssociation(aead=%d, cookies=%d, action=%s)" % (
            self.aead, len(self.cookies), self.action())
