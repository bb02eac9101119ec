# Signed responses, the engine's side (nts.signed.settle, evidence_event) with a fake
# endpoint and fake peers: verdicts, evidence on the sample, the security-log event.
from nts import ntp, signed
from portability import run_loop, skip_in_bundle_heap
from support import h
from test_signed import KEY, POINT, REPLY1, SIG, _field, _reply_with

# Measured need as an .mpy bundle (code in the heap): 114-116 KB by bisecting -X heapsize
# in 1 KB steps (asyncio, the curve code and the NTP codec together; fragmentation makes
# 113-115 KB pass or fail by run). The frozen-firmware row runs these.
BUNDLE_HEAP_KB = 116


# --- settle: the engine's side, with a fake endpoint ---------------------------------------

class _Cfg:
    MaxInterval = 60

    def ke_host(self):
        return "ptb.example"


class _Assoc:
    signing_key = KEY


class _Sample:
    time = 0.0
    delay = 0.01
    offset = 0.0


class _Peer:
    def __init__(self):
        self.name = "ptb1"
        self.cfg = _Cfg()
        self.assoc = _Assoc()
        self.samples = [_Sample()]


class _Endpoint:
    def __init__(self, datagrams):
        self.datagrams = list(datagrams)

    async def recv(self, timeout):
        import asyncio
        if not self.datagrams:
            await asyncio.sleep(min(timeout, 0.05))
            raise asyncio.TimeoutError()
        return self.datagrams.pop(0)


def _settle(p, datagrams, reply1=REPLY1):
    skip_in_bundle_heap(BUNDLE_HEAP_KB)
    return run_loop(signed.settle(p, _Endpoint(datagrams), reply1, 0.2, lambda: 42))


def test_settle_verified_keeps_evidence():
    p = _Peer()
    events = _settle(p, [REPLY1, b"junk", REPLY1 + _field(7, SIG)])
    assert events == [] and p.signature == "verified"
    ev = p.samples[0].evidence
    assert ev["key_id"] == 7 and ev["status"] == "verified" and ev["server"] == "ptb1"
    assert h(ev["signature"]) == SIG and h(ev["key"]) == POINT and h(ev["response"]) == REPLY1


def test_settle_unsigned_waits_for_nothing():
    p = _Peer()
    assert _settle(p, [], _reply_with(None)) == [] and p.signature == "unsigned"
    assert _settle(p, [], _reply_with(b"\x81")) == [] and p.signature == "unsigned"
    assert not hasattr(p.samples[0], "evidence") and p.samples[0].signature == "unsigned"


def test_settle_failures_keep_the_sample_and_log_once():
    p = _Peer()
    cases = (([], "did not arrive"), ([b"junk"], "not the first plus"),
             ([REPLY1 + _field(8, SIG)], "key id 8"),
             ([REPLY1 + _field(7, SIG[:-2] + b"\x00\x01")], "mismatch"))
    for datagrams, reason in cases:
        events = _settle(p, datagrams)
        assert p.signature.startswith("invalid: ") and reason in p.signature, p.signature
        assert len(events) == 1 and events[0]["event"] == "SignedResponseInvalid"
        assert events[0]["log"] == "security" and events[0]["subject"] == "ptb1"
        assert events[0]["time_ns"] == 42
        assert len(p.samples) == 1 and not hasattr(p.samples[0], "evidence")
    assert _settle(p, [REPLY1 + _field(7, SIG[:-2] + b"\x00\x01")]) == []  # same reason


def test_evidence_event_names_the_samples_a_change_rests_on():
    skip_in_bundle_heap(BUNDLE_HEAP_KB)
    from nts.policy import Decision
    from nts.selection import Selection
    a, b = _Peer(), _Peer()
    b.name = "ptb2"
    _settle(a, [REPLY1 + _field(7, SIG)])
    b.samples[0].signature = "invalid: p256: ECDSA signature mismatch"
    b.signature = "verified"        # a later round's verdict: not the sample's
    adjusted = {"event": "ClockAdjusted", "group": "legal", "kind": "step", "old_ns": 1,
                "new_ns": 5, "offset": 4e-9, "sources": ["ptb1", "ptb2"]}
    d = Decision("step", 4, [adjusted])
    sel = Selection(True, 4e-9, 0, 1e-8, ["ptb1", "ptb2"], {})
    e = signed.evidence_event(d, sel, {"ptb1": a, "ptb2": b}, 1.0)
    assert e["event"] == "SignedTimeEvidence" and e["log"] == "metrological"
    assert (e["group"], e["kind"], e["old_ns"], e["new_ns"]) == ("legal", "step", 1, 5)
    first, second = e["responses"]
    assert first["status"] == "verified" and h(first["response"]) == REPLY1
    assert second == {"server": "ptb2", "host": "ptb.example",
                      "status": "invalid: p256: ECDSA signature mismatch"}
    # A sample older than 2 * MaxInterval is not what the filter uses: no evidence from it.
    e = signed.evidence_event(d, sel, {"ptb1": a, "ptb2": b}, 1000.0)
    assert e["responses"][0] == {"server": "ptb1", "host": "ptb.example", "status": "unsigned"}
