# OCPP-J framing (nts.ocpp.ocppj) and the session over a link (nts.ocpp.session): the
# three message types, FormationViolation / FormatViolation for bad frames, one
# outstanding CALL, timeouts, late answers, and a connection that closes mid-CALL.
import asyncio
import json

from nts.ocpp import ocppj
from nts.ocpp.session import CallError, Refusal, Session
from portability import run_loop
from support import raises


def test_build_and_parse_the_three_types():
    m = ocppj.parse(ocppj.call("19223201", "BootNotification", {"chargePointVendor": "v"}))
    assert (m.kind, m.unique_id, m.action, m.payload) == (
        ocppj.CALL, "19223201", "BootNotification", {"chargePointVendor": "v"})
    m = ocppj.parse(b'[3, "19223201", {"status": "Accepted"}]')
    assert (m.kind, m.payload) == (ocppj.CALLRESULT, {"status": "Accepted"})
    m = ocppj.parse(ocppj.error("7", "NotImplemented", "no", {"x": 1}))
    assert (m.kind, m.code, m.description, m.details) == (ocppj.CALLERROR, "NotImplemented",
                                                          "no", {"x": 1})
    assert json.loads(ocppj.error("7", "InternalError", "d" * 300))[3] == "d" * 255


def test_bad_frames():
    for text, uid, kind in (("nope", "-1", None), ("{}", "-1", None), ("[2]", "-1", None),
                            ('[2, 5, "A", {}]', "-1", None), ('[2, "", "A", {}]', "-1", None),
                            ('[2, "%s", "A", {}]' % ("x" * 37), "-1", None),
                            ('["2", "1", "A", {}]', "-1", None), ('[true, "1", "A", {}]', "-1", None),
                            ('[2, "1", "A", []]', "1", ocppj.CALL), ('[2, "1", 5, {}]', "1", ocppj.CALL),
                            ('[2, "1", "A", {}, 1]', "1", ocppj.CALL),
                            ('[3, "1", "x"]', "1", ocppj.CALLRESULT),
                            ('[4, "1", "c", {}]', "1", ocppj.CALLERROR),
                            ('[5, "1", {}]', "1", None)):
        e = raises(ocppj.FrameError, ocppj.parse, text)
        assert (e.unique_id, e.kind) == (uid, kind), text
    assert ocppj.format_violation("1.6") == "FormationViolation"
    assert ocppj.format_violation("2.0.1") == "FormatViolation"


def test_ids_are_unique_and_short():
    a, b = ocppj.Ids(), ocppj.Ids()
    ids = [a.next() for _ in range(50)] + [b.next() for _ in range(50)]
    assert len(set(ids)) == 100 and max(len(i) for i in ids) <= ocppj.MAX_ID


class FakeLink:
    """What the CSMS sends (feed) and what the session sent (sent)."""

    def __init__(self):
        self.inbox = []
        self.sent = []
        self.event = asyncio.Event()

    def feed(self, text):
        self.inbox.append(text)
        self.event.set()

    def close(self):
        self.feed(None)

    async def recv(self):
        while not self.inbox:
            self.event.clear()
            await self.event.wait()
        return self.inbox.pop(0)

    async def send_text(self, text):
        self.sent.append(json.loads(text))


def _on_call(action, payload):
    if action == "Echo":
        return payload, None
    if action == "Broken":
        return payload["missing"], None
    if action == "Crash":
        raise RuntimeError("boom")
    raise Refusal("NotImplemented", action)


async def _answers_calls():
    link = FakeLink()
    s = Session(link, "1.6", _on_call)
    task = asyncio.create_task(s.serve())
    for text in ('[2, "a", "Echo", {"k": 1}]', '[2, "b", "Nope", {}]', '[2, "c", "Broken", {}]',
                 '[2, "d", "Crash", {}]', 'garbage', '[2, "e", "Echo", 5]',
                 '[3, "nobody-asked", {}]'):
        link.feed(text)
    link.close()
    await task
    return link.sent, s.closed


def test_session_answers_calls():
    sent, closed = run_loop(_answers_calls())
    assert closed
    assert sent[0] == [3, "a", {"k": 1}]
    assert sent[1][:3] == [4, "b", "NotImplemented"]
    assert sent[2][:3] == [4, "c", "FormationViolation"]
    assert sent[3][:3] == [4, "d", "InternalError"]
    assert sent[4][:3] == [4, "-1", "FormationViolation"]
    assert sent[5][:3] == [4, "e", "FormationViolation"]
    assert len(sent) == 6       # the stray CALLRESULT is not answered


async def _calls():
    link = FakeLink()
    s = Session(link, "2.0.1", _on_call)
    task = asyncio.create_task(s.serve())
    out = {}

    async def answer_later(kind):
        while not link.sent:
            await asyncio.sleep(0)
        uid = link.sent[-1][1]
        link.feed(json.dumps([3, "stale", {}]))     # not the one we wait for: dropped
        if kind == "result":
            link.feed(json.dumps([3, uid, {"currentTime": "t"}]))
        elif kind == "error":
            link.feed(json.dumps([4, uid, "SecurityError", "no", {}]))
        elif kind == "broken":
            link.feed(json.dumps([3, uid, "not an object"]))
    helper = asyncio.create_task(answer_later("result"))
    out["result"] = await s.call("Heartbeat", {}, 5)
    await helper
    link.sent = []
    helper = asyncio.create_task(answer_later("error"))
    out["error"] = None
    try:
        await s.call("Heartbeat", {}, 5)
    except CallError as e:
        out["error"] = e.code
    await helper
    link.sent = []
    helper = asyncio.create_task(answer_later("broken"))
    try:
        await s.call("Heartbeat", {}, 5)
    except CallError as e:
        out["broken"] = e.code
    await helper
    try:
        await s.call("Heartbeat", {}, 0.05)
    except asyncio.TimeoutError:
        out["timeout"] = True
    # one outstanding CALL: the second waits for the first
    link.sent = []
    first = asyncio.create_task(s.call("A", {}, 5))
    second = asyncio.create_task(s.call("B", {}, 5))
    for _ in range(5):
        await asyncio.sleep(0)
    out["while_first"] = [m[2] for m in link.sent]
    link.feed(json.dumps([3, link.sent[0][1], {"n": 1}]))
    await first
    for _ in range(5):
        await asyncio.sleep(0)
    out["after_first"] = [m[2] for m in link.sent]
    link.close()        # closing mid-CALL: the waiter gets OSError, not a hang
    try:
        await second
    except OSError:
        out["closed"] = True
    await task
    try:
        await s.call("C", {}, 5)
    except OSError:
        out["after_close"] = True
    return out


def test_session_calls():
    out = run_loop(_calls())
    assert out["result"] == {"currentTime": "t"}
    assert out["error"] == "SecurityError"
    assert out["broken"] == "FormatViolation"
    assert out["timeout"]
    assert out["while_first"] == ["A"] and out["after_first"] == ["A", "B"]
    assert out["closed"] and out["after_close"]
