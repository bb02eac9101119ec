# OCPP-J message framing (OCPP 1.6-J section 4, OCPP 2.0.1 part 4 section 4), sans-IO:
#
#   CALL        [2, "<messageId>", "<action>", {payload}]
#   CALLRESULT  [3, "<messageId>", {payload}]
#   CALLERROR   [4, "<messageId>", "<errorCode>", "<errorDescription>", {errorDetails}]
#
# messageId: a string of at most 36 characters, unique per CALL of one sender. A frame
# that is not such a list is FrameError; `unique_id` carries the id when one could be
# read (the answer is a CALLERROR with it), else "-1" (OCPP 2.0.1 4.2.3). 1.6 names
# the error FormationViolation, 2.0.1 FormatViolation (format_violation()); `kind`
# says whether the broken frame was a CALL (answer it) or an answer (fail our CALL).
import json

from micropython import const

from nts.errors import NTSError
from nts.platform import random_bytes

CALL = const(2)
CALLRESULT = const(3)
CALLERROR = const(4)
MAX_ID = const(36)
MAX_DESCRIPTION = const(255)


class FrameError(NTSError):
    """A frame that is not OCPP-J; unique_id: the CALL's id when known, else "-1"."""

    def __init__(self, message, unique_id="-1", kind=None):
        super().__init__(message)
        self.unique_id = unique_id
        self.kind = kind


class Message:
    """One parsed frame. kind: CALL / CALLRESULT / CALLERROR. For a CALL: action,
    payload; a CALLRESULT: payload; a CALLERROR: code, description, details."""

    def __init__(self, kind, unique_id, action=None, payload=None, code=None,
                 description=None, details=None):
        self.kind = kind
        self.unique_id = unique_id
        self.action = action
        self.payload = payload
        self.code = code
        self.description = description
        self.details = details

    def __repr__(self):
        return "<OCPP-J %d %s %s>" % (self.kind, self.unique_id, self.action or self.code or "")


def format_violation(version):
    return "FormationViolation" if version == "1.6" else "FormatViolation"


class Ids:
    """messageIds for our CALLs: a random prefix per connection and a counter."""

    def __init__(self):
        self.prefix = "".join("%02x" % b for b in random_bytes(6))
        self.n = 0

    def next(self):
        self.n += 1
        return "%s-%d" % (self.prefix, self.n)


def _dumps(v):
    return json.dumps(v)


def call(unique_id, action, payload):
    return _dumps([CALL, unique_id, action, payload])


def result(unique_id, payload):
    return _dumps([CALLRESULT, unique_id, payload])


def error(unique_id, code, description="", details=None):
    return _dumps([CALLERROR, unique_id, code, description[:MAX_DESCRIPTION],
                   details if details is not None else {}])


def parse(text):
    """The Message in one WebSocket text message (str or bytes); FrameError if none."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = text.decode()
        v = json.loads(text)
    except (ValueError, UnicodeError):
        raise FrameError("not JSON")
    if not isinstance(v, list) or len(v) < 3:
        raise FrameError("not an OCPP-J array")
    kind, uid = v[0], v[1]
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise FrameError("message type must be an integer")
    if not isinstance(uid, str) or not 0 < len(uid) <= MAX_ID:
        raise FrameError("messageId must be a string of 1..%d characters" % MAX_ID)
    if kind == CALL:
        if len(v) != 4 or not isinstance(v[2], str) or not isinstance(v[3], dict):
            raise FrameError("CALL must be [2, id, action, {payload}]", uid, CALL)
        return Message(CALL, uid, action=v[2], payload=v[3])
    if kind == CALLRESULT:
        if len(v) != 3 or not isinstance(v[2], dict):
            raise FrameError("CALLRESULT must be [3, id, {payload}]", uid, CALLRESULT)
        return Message(CALLRESULT, uid, payload=v[2])
    if kind == CALLERROR:
        if len(v) != 5 or not isinstance(v[2], str) or not isinstance(v[3], str) \
                or not isinstance(v[4], dict):
            raise FrameError("CALLERROR must be [4, id, code, description, {details}]", uid,
                             CALLERROR)
        return Message(CALLERROR, uid, code=v[2], description=v[3], details=v[4])
    raise FrameError("unknown message type %r" % (kind,), uid)
