# One NTS-KE session (RFC 8915 section 4) over mpnts's own TLS 1.3, on the asyncio loop:
# connect, send the request right after the handshake, verify the server's certificates
# while it answers, read the response up to End of Message, export the NTS keys.
#
# Order matters (issue 4, speed): nothing from the session (response, cookies, keys) is
# read or derived before authenticate() has accepted the chain and the CertificateVerify
# signature; if it fails, the stream is closed and everything is dropped.
from nts import ke
from nts.errors import KEError
from nts.platform import ticks_diff, ticks_ms
from nts.tls import trust
from nts.tls.stream import TLSStream


class KEStats:
    """Timing of one session: ke_ms (TCP connect until End of Message received) and
    critical_us (client compute from the ServerHello until our Finished and request)."""

    def __init__(self, ke_ms, critical_us):
        self.ke_ms = ke_ms
        self.critical_us = critical_us


def chain_verifier(server_name, store, group, policy):
    """verify_chain(chain) for TLSClient: trust.verify_chain_steps bound to one server."""
    def verify(chain):
        return trust.verify_chain_steps(chain, server_name, store, group, policy)
    return verify


async def key_exchange(host, verify_chain, port=ke.PORT, server_name=None,
                       aeads=None, timeout=5.0, gate=None, signed=False):
    """(KEResult with keys derived, KEStats); raises NTSError subclasses on any failure.
    aeads: the AEAD ids to offer, in preference order (None = nts.aead.DEFAULT_AEADS).
    Cancelling the task closes the connection. gate: see nts.tls.stream. signed: ask for
    the server's signing key (nts.signed)."""
    if aeads is None:
        from nts.aead import DEFAULT_AEADS as aeads
    stream = TLSStream(host, port, server_name or host, verify_chain, timeout, gate)
    request = ke.build_request(aeads, signed)
    t0 = ticks_ms()
    try:
        await stream.connect()
        await stream.send(request)
        await stream.authenticate()
        buf = ke.ResponseBuffer()
        while True:
            data = await stream.recv()
            if not data:
                raise KEError("server closed before End of Message")
            if buf.feed(data):
                break
        ke_ms = ticks_diff(ticks_ms(), t0)
        result = ke.parse_response(bytes(buf.data), aeads)
        result.derive_keys(stream.exporter)
    finally:
        stream.close()
    return result, KEStats(ke_ms, stream.critical_us)
