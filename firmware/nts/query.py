# The wait for the reply that decides one query, until the query deadline (asyncio):
# the one loop the engine, ntscheck and the tests share, so the RFC rules live in one
# place. Only the engine's side needs it: the sans-IO associations (nts.reply) do not
# load it.
#
#   ep.send(data)
#   o = await wait_reply(ep, receive, timeout, now)
#   # receive(datagram, t4) -> Outcome (an association's, bound to its request);
#   # now() -> t4, ns since 1900
#
# The wait, until the query deadline:
#   - a DROP (forged, stale, malformed, an ignored kiss code) discards that packet only;
#   - an NTS NAK is unauthenticated (RFC 8915 5.7): the authenticated reply may still
#     come, so it does not end the wait; it is the result only if nothing better came;
#   - SAMPLE, RATE, DENY and UNSYNC (authenticated, or plain NTPv4) end the wait at once;
#   - a network error (ICMP port unreachable) ends it as ERROR, silence as TIMEOUT
#     ("no answer within 2.0 s": the real timeout, never an errno).
# A reply that needs a second datagram (a later extension) returns DROP from `receive`
# for the first one and its final outcome for the second: the wait goes on meanwhile.
import asyncio

from nts import reply
from nts.errors import NTSError
from nts.platform import ticks_diff, ticks_ms


async def wait_reply(ep, receive, timeout, now):
    """The final Outcome of one query (see above)."""
    start = ticks_ms()
    nak = None
    dropped = ""
    while True:
        left = timeout - ticks_diff(ticks_ms(), start) / 1000
        if left <= 0:
            break
        try:
            data = await ep.recv(left)
        except asyncio.TimeoutError:
            break
        except NTSError as e:       # NetError from the socket
            return reply.Outcome(reply.ERROR, str(e))
        o = receive(data, now())
        if o.kind == reply.NAK:
            nak = o
        elif o.kind == reply.DROP:
            dropped = o.reason
        else:
            return o
    if nak is not None:
        return nak
    text = "no answer within %.1f s" % timeout
    if dropped:
        text += " (ignored: %s)" % dropped
    return reply.Outcome(reply.TIMEOUT, text)
