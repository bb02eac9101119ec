# Clock policy: what to do with a selection result, and which log entries that makes.
# Pure logic: time is passed in, the clock is only touched by apply().
#
# - Step when the offset exceeds clock.StepThreshold (or the clock is not yet trusted,
#   or cannot slew); slew below it.
# - Never move the clock on a measurement that fewer than the group's MinServers agreeing
#   sources support, whatever the selection says (defence in depth for legal time); an
#   untrusted clock only on MinServers agreeing authenticated ones.
# - Every change yields a ClockAdjusted event (old time, new time, offset, sources, kind)
#   for the hook the OCPP layer turns into log entries; plus SettingSystemTime (security
#   log) when |offset| > TimeAdjustmentReportingThreshold, and TimeDeviation
#   (metrological log) when |offset| >= the group's MaxDeviation.
# - ErrorCounter implements ErrorLogging (an entry after N consecutive errors, and a
#   recovery entry) and MaxErrors (disable the features that need the group's time).
#
# Events are plain dicts (JSON-able); times are unix ns ints, offsets float seconds.

NS = 1000000000

LOG_SECURITY = "security"
LOG_METROLOGICAL = "metrological"


class Decision:
    """kind: "step", "slew" or None (leave the clock alone; see reason). offset_ns: the
    correction. events: what to log (also when the clock is left alone)."""

    def __init__(self, kind, offset_ns, events, reason=""):
        self.kind = kind
        self.offset_ns = offset_ns
        self.events = events
        self.reason = reason

    def __repr__(self):
        return "<Decision %s %d ns %s>" % (self.kind, self.offset_ns, self.reason)


def decide(selection, group, clock_cfg, now_ns, trusted=True, can_slew=True, resolution_ns=1,
           authenticated=None):
    """Decision for one selection of group `group` (a GroupConfig).

    clock_cfg is Config.clock; now_ns the clock's reading the offset refers to;
    trusted/can_slew/resolution_ns describe the clock (its is_trusted(), can_slew,
    resolution_ns); authenticated: how many truechimers are NTS sources, when only those
    may move the clock (an untrusted clock, whose certificates went date-unchecked).
    """
    if not selection.ok:
        return Decision(None, 0, [], "no valid measurement: " + selection.reason)
    agreeing = len(selection.truechimers)
    if agreeing < group.MinServers:
        return Decision(None, 0, [], "%d agreeing sources, group %s needs %d"
                        % (agreeing, group.name, group.MinServers))
    if authenticated is not None and authenticated < group.MinServers:
        return Decision(None, 0, [], "%d agreeing authenticated sources, group %s needs %d"
                        % (authenticated, group.name, group.MinServers))
    offset = selection.offset
    offset_ns = int(offset * NS)
    sources = list(selection.truechimers)
    events = []
    magnitude = abs(offset)
    if magnitude >= group.MaxDeviation:
        events.append({"event": "TimeDeviation", "log": LOG_METROLOGICAL, "group": group.name,
                       "time_ns": now_ns, "offset": offset, "max_deviation": group.MaxDeviation,
                       "sources": sources})
    if abs(offset_ns) < resolution_ns and trusted:
        return Decision(None, 0, events, "offset below the clock's resolution")
    if not trusted or not can_slew or magnitude > clock_cfg["StepThreshold"]:
        kind = "step"
    else:
        kind = "slew"
    new_ns = now_ns + offset_ns
    events.insert(0, {"event": "ClockAdjusted", "group": group.name, "kind": kind,
                      "old_ns": now_ns, "new_ns": new_ns, "offset": offset,
                      "sources": sources})
    if magnitude > clock_cfg["TimeAdjustmentReportingThreshold"]:
        events.append({"event": "SettingSystemTime", "log": LOG_SECURITY, "group": group.name,
                       "old_ns": now_ns, "new_ns": new_ns, "offset": offset,
                       "sources": sources})
    return Decision(kind, offset_ns, events)


def apply(clock, decision):
    """Carry out a decision on a clock (an rtc.base.Clock). Steps are relative to the
    clock's reading now, so time spent since decide() does not matter."""
    if decision.kind == "step":
        clock.step(clock.now_ns() + decision.offset_ns)
    elif decision.kind == "slew":
        clock.slew(decision.offset_ns)


class ErrorCounter:
    """Consecutive-error bookkeeping for one server or group.

    log_after: ErrorLogging (0 = never); max_errors: MaxErrors (0 = never disable).
    error()/success() return the events to log; `disabled` says whether the features
    that need this time source are currently off.
    """

    def __init__(self, subject, log, log_after, max_errors=0):
        self.subject = subject
        self.log = log
        self.log_after = log_after
        self.max_errors = max_errors
        self.count = 0
        self.total = 0
        self.logged = False
        self.disabled = False
        self.last_error = ""

    def error(self, now_ns, reason):
        self.count += 1
        self.total += 1
        self.last_error = reason
        events = []
        if self.log_after and self.count == self.log_after:
            self.logged = True
            events.append({"event": "SyncFailing", "log": self.log, "subject": self.subject,
                           "time_ns": now_ns, "count": self.count, "reason": reason})
        if self.max_errors and self.count == self.max_errors:
            self.disabled = True
            events.append({"event": "TimeFeaturesDisabled", "log": self.log,
                           "subject": self.subject, "time_ns": now_ns, "count": self.count,
                           "reason": reason})
        return events

    def success(self, now_ns):
        events = []
        if self.logged:
            events.append({"event": "SyncRecovered", "log": self.log, "subject": self.subject,
                           "time_ns": now_ns, "count": self.count})
        if self.disabled:
            events.append({"event": "TimeFeaturesEnabled", "log": self.log,
                           "subject": self.subject, "time_ns": now_ns})
        self.count = 0
        self.logged = False
        self.disabled = False
        return events


def server_counter(server):
    """Counter for a ServerConfig: its ErrorLogging goes to the security log."""
    return ErrorCounter(server.Instance, LOG_SECURITY, server.ErrorLogging)


def group_counter(group):
    """Counter for a GroupConfig: ErrorLogging and MaxErrors, metrological log."""
    return ErrorCounter(group.name, LOG_METROLOGICAL, group.ErrorLogging, group.MaxErrors)
