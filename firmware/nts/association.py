# One NTS association: the keys and cookies from one NTS-KE session, turned into NTP
# requests and verified samples. Sans-IO: the I/O shell owns the socket and the clock and
# passes times in (ns since 1900, see nts.timescale).
#
#   assoc = NTSAssociation(ke_result)            # ke_result with keys derived
#   while assoc.action() == ACTION_QUERY:
#       data, req = assoc.make_request(t1)       # send data at t1
#       ... for each datagram received (at t4) until a timeout:
#       sample = assoc.handle_response(req, datagram, t4)
#   ... ACTION_KEY_EXCHANGE: run NTS-KE again, make a new association.
#
# handle_response raises a typed error for a packet to ignore (ParseError, NTPError,
# AuthError: keep waiting for the genuine answer) and KissOfDeath for a kiss: code NTSN
# (NTS NAK) after updating the state below; RATE / DENY / RSTR only when authenticated,
# after keeping the cookies that came with it (the shell backs off or stops).
#
# NTS NAK policy: a NAK means the server could not use our cookie or key. If the key
# exchange left chrony's alternate AES-128-GCM-SIV keys (see ke.KEResult.derive_keys)
# and no good response has arrived since, switch to them once and keep the cookies, as
# chrony's client does. Otherwise ask for a key exchange at the next poll unless a good
# response arrives first (RFC 8915 5.7: wait for the next poll, then re-key).
from nts import ntp, timescale
from nts.cookies import CookieStash
from nts.errors import KEError, KissOfDeath

ACTION_QUERY = "query"
ACTION_KEY_EXCHANGE = "key_exchange"


class Sample:
    """One authenticated measurement; times in ns (offset = server minus us)."""

    def __init__(self, offset, delay, header, t1, t4):
        self.offset = offset
        self.delay = delay
        self.stratum = header.stratum
        self.leap = header.leap
        self.poll = header.poll
        self.precision = header.precision
        self.root_delay = timescale.short_to_ns(header.root_delay)
        self.root_disp = timescale.short_to_ns(header.root_disp)
        self.refid = header.refid
        self.t1 = t1
        self.t4 = t4

    def __repr__(self):
        return "Sample(offset=%dns, delay=%dns, stratum=%d)" % (
            self.offset, self.delay, self.stratum)


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

    def handle_response(self, req, data, t4):
        """A Sample, or a typed error (see the module comment)."""
        resp = ntp.verify_response(req, data)
        if resp.nak:
            self._on_nak()
            raise KissOfDeath(ntp.KISS_NTS_NAK)
        for c in resp.cookies:
            self.cookies.add(c)
        self._good = True
        self._nak = False
        code = resp.header.kiss_code()
        if code is not None:
            raise KissOfDeath(code)
        t2, t3 = ntp.check_sample(resp.header, req.t1)
        offset, delay = ntp.offset_delay(req.t1, t2, t3, t4, self.asymmetry)
        # A clock coarser than the exchange (ms ticks on loopback) can make the delay a
        # little negative; RFC 5905 clamps it rather than discarding the sample.
        return Sample(offset, max(delay, 0), resp.header, req.t1, t4)

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
