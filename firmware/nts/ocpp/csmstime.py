# The CSMS's `currentTime` (BootNotification and Heartbeat responses) as one time
# observation, used only as ClockCtrlr TimeSource allows and never over NTS.
#
# - The observation is the CSMS's time plus half the round trip (the request's send and
#   the response's arrival read on our clock): RFC 3339 in any of its forms
#   (nts.ocpp.rfc3339). A round trip over MAX_RTT_S is not a measurement.
# - TimeSource is honoured in order: "Heartbeat" is used only when it is listed and no
#   source before it has time now ("NTP": the clock group synced within its
#   MaxInterval; "RealTimeClock": the clock is trusted; nts.config refuses the others,
#   and "RealTimeClock" before "NTP"). Without "NTP" the engine runs no NTS at all
#   (nts.engine), so the CSMS time is all that sets the clock.
# - Never over an authenticated legal-group result: while the legal group has a sync
#   within MaxInterval, the CSMS time is ignored whatever TimeSource says. So "Heartbeat"
#   before "NTP" changes only when the CSMS time is used, never whether NTS syncs: with
#   a legal group it behaves as "NTP" first; with only a local group the CSMS time is
#   used even while that group has NTP time.
# - Applied like an NTS result (nts.policy rules: step above StepThreshold, else slew),
#   with ClockAdjusted and, above TimeAdjustmentReportingThreshold, SettingSystemTime
#   (sources ["Heartbeat"]) to the engine's hook.
from nts import policy
from nts.errors import ParseError
from nts.ocpp.rfc3339 import parse
from nts.timescale import NS_PER_S

MAX_RTT_S = 30
SOURCE = "Heartbeat"


def _group_synced(engine, group, now_ns):
    last = engine.last_sync_ns.get(group)
    if last is None:
        return False
    cfg = engine.config
    max_interval = max(cfg.server(c).MaxInterval for c in cfg.groups[group].Clients)
    return now_ns - last <= max_interval * NS_PER_S


def _available(engine, source, now_ns):
    if source == "NTP":
        return _group_synced(engine, engine.clock_group, now_ns)
    if source == "RealTimeClock":
        return engine.clock.is_trusted()
    return False


class _Observation:
    # What nts.policy.decide reads from a selection: one source, agreeing with itself.
    ok = True
    reason = ""

    def __init__(self, offset):
        self.offset = offset
        self.truechimers = [SOURCE]


def apply(engine, current_time, sent_ns, received_ns):
    """Use a CSMS currentTime on the engine's clock if TimeSource allows it. sent_ns /
    received_ns: the clock's readings when the request went out and the response came.
    Returns (applied, reason)."""
    sources = engine.config.clock["TimeSource"]
    now = engine.clock.now_ns()
    if SOURCE not in sources:
        return False, "Heartbeat is not in TimeSource"
    if "legal" in engine.config.groups and _group_synced(engine, "legal", now):
        return False, "legal time from NTS is valid"
    for src in sources[:sources.index(SOURCE)]:
        if _available(engine, src, now):
            return False, "TimeSource %s comes first and has time" % src
    try:
        csms_ns, _ = parse(current_time)
    except ParseError as e:
        return False, str(e)
    rtt = received_ns - sent_ns
    if not 0 <= rtt <= MAX_RTT_S * NS_PER_S:
        return False, "round trip %d ms is no measurement" % (rtt // 1000000)
    offset = (csms_ns + rtt // 2 - received_ns) / NS_PER_S
    group = engine.config.groups[engine.clock_group]
    clock = engine.clock
    # One source is all a CSMS is: MinServers 1 for this decision only.
    d = policy.decide(_Observation(offset), _OneSource(group), engine.config.clock,
                      received_ns, clock.is_trusted(), clock.can_slew, clock.resolution_ns)
    policy.apply(clock, d)
    if d.kind is not None:
        for p in engine.peers:
            p.samples = []      # they were measured against the old clock
    if engine.hook is not None:
        for e in d.events:
            engine.hook(e)
    return d.kind is not None, d.reason or "clock %s by %+.3f s" % (d.kind, offset)


class _OneSource:
    def __init__(self, group):
        self.name = group.name
        self.MinServers = 1
        self.MaxDeviation = group.MaxDeviation
