# One OCPP-J session over an open WebSocket (nts.ocpp.wslink.WSLink, or anything with
# async send_text / recv): our CALLs one at a time (OCPP-J: at most one outstanding
# CALL per side) with a timeout, and the CSMS's CALLs answered as they come.
#
#   s = Session(link, "1.6", on_call)
#   task = asyncio.create_task(s.serve())          # reads until the connection closes
#   conf = await s.call("Heartbeat", {}, 30)       # CallError / asyncio.TimeoutError / OSError
#
# on_call(action, payload) returns (response payload, follow_up) where follow_up is a
# coroutine to run once the answer is sent (a TriggerMessage's message, NotifyReport
# pages), or None; it raises Refusal(code, text) for a CALLERROR. A handler that trips
# over the payload's shape (KeyError, TypeError, ValueError) gets FormationViolation
# (2.0.1: FormatViolation), anything else InternalError: the session goes on.
import asyncio

from nts.errors import NTSError
from nts.ocpp import ocppj


class CallError(NTSError):
    """The CSMS answered our CALL with a CALLERROR."""

    def __init__(self, code, description):
        super().__init__("%s: %s" % (code, description))
        self.code = code


class Refusal(NTSError):
    """Raised by on_call: answer with CALLERROR `code`."""

    def __init__(self, code, message=""):
        super().__init__(message)
        self.code = code


class Session:
    def __init__(self, link, version, on_call):
        self.link = link
        self.version = version
        self.on_call = on_call
        self.ids = ocppj.Ids()
        self.closed = False
        self.on_close = None        # called once when the connection ends
        self._lock = asyncio.Lock()
        self._waiting = None        # messageId of our outstanding CALL
        self._answer = None
        self._event = None

    async def call(self, action, payload, timeout):
        """Send a CALL, return the CALLRESULT payload."""
        async with self._lock:
            if self.closed:
                raise OSError("connection closed")
            uid = self.ids.next()
            self._answer = None
            self._event = asyncio.Event()
            self._waiting = uid
            try:
                await self.link.send_text(ocppj.call(uid, action, payload))
                await asyncio.wait_for(self._event.wait(), timeout)
            finally:
                self._waiting = None
            msg = self._answer
            if msg is None:
                raise OSError("connection closed before the answer to %s" % action)
            if isinstance(msg, ocppj.FrameError):
                raise CallError(ocppj.format_violation(self.version), str(msg))
            if msg.kind == ocppj.CALLERROR:
                raise CallError(msg.code, msg.description)
            return msg.payload

    def _deliver(self, answer):
        self._answer = answer
        self._event.set()

    async def serve(self):
        """Read and dispatch until the connection closes."""
        try:
            while True:
                text = await self.link.recv()
                if text is None:
                    return
                try:
                    msg = ocppj.parse(text)
                except ocppj.FrameError as e:
                    if e.kind in (ocppj.CALLRESULT, ocppj.CALLERROR):
                        if e.unique_id == self._waiting:
                            self._deliver(e)
                    else:
                        await self.link.send_text(ocppj.error(
                            e.unique_id, ocppj.format_violation(self.version), str(e)))
                    continue
                if msg.kind == ocppj.CALL:
                    await self._answer_call(msg)
                elif msg.unique_id == self._waiting:
                    self._deliver(msg)
                # else: a late answer to a CALL that timed out: dropped
        finally:
            self.closed = True
            if self._waiting is not None:
                self._event.set()       # the waiter sees no answer: connection closed
            if self.on_close is not None:
                self.on_close()

    async def _answer_call(self, msg):
        follow_up = None
        try:
            payload, follow_up = self.on_call(msg.action, msg.payload)
            text = ocppj.result(msg.unique_id, payload)
        except Refusal as e:
            text = ocppj.error(msg.unique_id, e.code, str(e))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            text = ocppj.error(msg.unique_id, ocppj.format_violation(self.version),
                               "%s in %s payload: %s" % (type(e).__name__, msg.action, e))
        except Exception as e:      # the station must outlive one bad request
            text = ocppj.error(msg.unique_id, "InternalError", "%s: %s" % (type(e).__name__, e))
        await self.link.send_text(text)
        if follow_up is not None:
            asyncio.create_task(follow_up)
