# Signed NTS responses: evidence a third party (a metrological auditor) can check later.
# The white paper's vendor extension as the Norn library implements it:
#
#   NTS-KE   client: record 16384 (empty)   server: record 16385 = KeyId | SEC1 P-256 key
#            (nts.ke parses them; the key travels with the session, nts.state keeps it)
#   request  EF 0xFF00 = KeyId u16, zeros (16 bytes), before the Authenticator (only to a
#            server that gave a key: NTPsec drops requests with unknown fields)
#   reply 1  a normal NTS response carrying EF 0xFF01 before the Authenticator; byte 0
#            == 0x80 (exactly) announces reply 2
#   reply 2  reply 1's bytes + EF 0xFF02 = KeyId u16 | SigLen u16 | DER ECDSA-P256-SHA256
#            signature over all of reply 1 | zero padding to 4
#
# Timing comes from reply 1, which the engine has already turned into a sample when
# `settle` starts: waiting for reply 2 (at most `wait_s`) and verifying (in loop slices,
# nts.slices) never delay or change the sample. A failure never removes it either (its
# authenticator was good); it makes the server's status "invalid: <reason>" and a
# security-log event. Reply 2 needs no second AEAD pass: its authenticator is reply 1's,
# byte for byte (the prefix comparison), and reply 1's verified; what the signature adds
# is checked by ECDSA with the key from the key exchange.
#
# Evidence: a verified reply 1, its signature, the key and key id stay with the sample
# (selection.Sample.evidence; .signature holds every sample's verdict); every clock change of the legal group logs, in the
# metrological log, those of the samples it rests on (`evidence_event`), which
# tools/ntslog.py re-verifies offline.
#
# Loaded only when a server has SignedResponses on (the engine imports it lazily).
from micropython import const

from nts import ntp
from nts.errors import NTSError, ParseError, SignatureError
from nts.wire import Reader

EF_SIGNED_REQUEST = const(0xFF00)
EF_SIGNED_ANNOUNCE = const(0xFF01)
EF_SIGNED_RESPONSE = const(0xFF02)
_FOLLOWS = const(0x80)
# What a signed exchange adds to the largest reply our request can provoke
# (nts.ntp.MAX_REPLY), for the receive buffer (nts.aio.MAX_DATAGRAM): reply 1's 0xFF01
# (a field of the 16-byte minimum, RFC 7822 7.5) and reply 2's 0xFF02 (type, length,
# KeyId, SigLen and a DER ECDSA-P256 signature of at most 72 bytes: 80) = 96 bytes.
MAX_EXTRA = const(16 + 80)

VERIFIED = "verified"
UNSIGNED = "unsigned"
INVALID = "invalid: "
EVENT_INVALID = "SignedResponseInvalid"
EVENT_EVIDENCE = "SignedTimeEvidence"


def request_fields(signing_key):
    """The (type, body) fields a request carries: 0xFF00 with the key id, only when the
    key exchange gave a key. A server that sent none does not know the extension, and
    not all such servers ignore the field: NTPsec 1.2 drops requests with an unknown
    extension field (measured on loopback; chrony ignores it)."""
    if signing_key is None:
        return ()
    key_id = signing_key[0]
    return ((EF_SIGNED_REQUEST, bytes((key_id >> 8, key_id & 0xFF))),)


def announced(reply1):
    """Whether an accepted reply announces a signed second reply (0xFF01, byte 0 0x80)."""
    _, fields = ntp.parse_packet(reply1)
    for ftype, body, _ in fields:
        if ftype == ntp.EF_AUTHENTICATOR:
            break
        if ftype == EF_SIGNED_ANNOUNCE:
            return body[0] == _FOLLOWS
    return False


# What reply 2 adds to reply 1, one extension field (RFC 7822 framing):
#   0xFF02 | Length u16 | KeyId u16 | SigLen u16 | signature (SigLen) | zeros to 4
def parse_signature(reply1, reply2):
    """(key id, DER signature) of reply 2; SignatureError when it is not reply 1 followed
    by exactly one well-formed 0xFF02 field."""
    n = len(reply1)
    if len(reply2) <= n or reply2[:n] != reply1:
        raise SignatureError("second reply is not the first plus a signature")
    try:
        fields = ntp.parse_extension_fields(reply2, n)
        if len(fields) != 1 or fields[0][0] != EF_SIGNED_RESPONSE:
            raise ParseError("not one 0xFF02 field")
        body = fields[0][1]
        r = Reader(body)
        key_id = r.u16()
        sig = r.vector(2).rest()
        pad = r.rest()
        if len(body) != max(ntp.MIN_EF_LENGTH, (8 + len(sig) + 3) & ~3) - 4 or any(pad):
            raise ParseError("padding is not zeros to a multiple of 4")
    except ParseError as e:
        raise SignatureError("signature field: %s" % e)
    return key_id, sig


def verify_steps(reply1, key_id, signature, signing_key):
    """Check a signature of reply 1 against the key exchange's key, in slices
    (nts.slices); SignatureError when it fails."""
    if signing_key is None:
        raise SignatureError("no public key from the key exchange")
    if key_id != signing_key[0]:
        raise SignatureError("key id %d, the key exchange gave %d" % (key_id, signing_key[0]))
    import hashlib
    from nts.crypto import ec
    yield from ec.ecdsa_verify_steps("p256", signing_key[1], hashlib.sha256(reply1).digest(),
                                     signature)


async def second_reply(ep, reply1, wait_s):
    """Reply 2 from endpoint `ep` within wait_s s; SignatureError when none came. Copies
    of reply 1 are skipped; a datagram that does not extend it is remembered (it may be
    junk) while we wait on for the genuine one (nts.query's wait loop)."""
    from nts import reply
    from nts.query import wait_reply
    found = []
    stray = []

    def receive(data, _t4):
        if len(data) > len(reply1) and data[:len(reply1)] == reply1:
            found.append(data)
            return reply.Outcome(reply.SAMPLE)
        if data != reply1:
            stray.append(True)
        return reply.Outcome(reply.DROP)
    o = await wait_reply(ep, receive, wait_s, _no_time)
    if found:
        return found[0]
    if o.kind == reply.ERROR:
        raise SignatureError(o.reason)
    if stray:
        raise SignatureError("second reply is not the first plus a signature")
    raise SignatureError("announced signed reply did not arrive within %.1f s" % wait_s)


def _no_time():
    return 0        # receive() above needs no arrival time


def _hex(b):
    return "".join("%02x" % c for c in b)


async def settle(p, ep, reply1, wait_s, now_ns):
    """After engine peer p's sample from reply1 (its newest, p.samples[-1]): the
    signature verdict into p.signature, evidence onto the sample. Returns the events to
    log (a SignedResponseInvalid when the verdict turns invalid or changes reason)."""
    from nts import slices
    sample = p.samples[-1] if p.samples else None
    status = UNSIGNED
    try:
        if announced(reply1):
            reply2 = await second_reply(ep, reply1, wait_s)
            key_id, sig = parse_signature(reply1, reply2)
            key = p.assoc.signing_key if p.assoc is not None else None
            await slices.run_async(verify_steps(reply1, key_id, sig, key))
            status = VERIFIED
            if sample is not None:
                sample.evidence = {"server": p.name, "host": p.cfg.ke_host(),
                                   "status": VERIFIED, "key_id": key_id,
                                   "key": _hex(key[1]), "response": _hex(reply1),
                                   "signature": _hex(sig)}
    except NTSError as e:       # SignatureError, or a ParseError of reply 1's fields
        status = INVALID + str(e)
    before = getattr(p, "signature", None)
    p.signature = status
    if sample is not None:
        sample.signature = status
    if status.startswith(INVALID) and status != before:
        return [{"event": EVENT_INVALID, "log": "security", "subject": p.name,
                 "time_ns": now_ns(), "reason": status[len(INVALID):]}]
    return []


def evidence_event(decision, sel, peers, now, max_age_factor=2):
    """The metrological-log entry of one clock change: for every source it rests on, its
    filter's chosen sample's signed reply (or its signature status). peers: {name: Peer};
    now: monotonic s (the same selection of fresh samples as Peer.candidate)."""
    from nts import selection
    adjusted = decision.events[0] if decision.events else {}
    rows = []
    for name in sel.truechimers:
        p = peers[name]
        fresh = [s for s in p.samples if now - s.time <= max_age_factor * p.cfg.MaxInterval]
        best = selection.clock_filter(fresh)
        best = best[0] if best else None
        ev = getattr(best, "evidence", None)
        if ev is None:      # the verdict of the very sample used, not the latest one
            ev = {"server": name, "host": p.cfg.ke_host(),
                  "status": getattr(best, "signature", None) or UNSIGNED}
        rows.append(ev)
    return {"event": EVENT_EVIDENCE, "log": "metrological", "group": adjusted.get("group"),
            "kind": decision.kind, "old_ns": adjusted.get("old_ns"),
            "new_ns": adjusted.get("new_ns"), "offset": adjusted.get("offset"),
            "responses": rows}
