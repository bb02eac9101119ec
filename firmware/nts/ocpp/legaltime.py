# "May the features that need legal time (dynamic tariffs, time-stamped billing) run
# now?" - one answer with its reason, and the OCMF time status flag for meter values.
#
# Legal time is valid when the legal group's last successful sync (at least MinServers
# agreeing authenticated sources, which is all the engine counts as a sync) is at most
# MaxInterval old (the largest MaxInterval of the group's servers: the longest gap the
# configuration itself allows), and MaxErrors consecutive failures have not switched the
# features off (the group's ErrorCounter). Without NTP in ClockCtrlr TimeSource no new
# sync comes (the engine runs no round): a sync still within MaxInterval stays valid,
# and a refusal says that NTP is off.
#
# OCMF time status (OCMF "TM" suffix): S = synchronized (legal time valid); R = relative:
# legal time was valid earlier since boot and the clock has run on its own since (times
# between readings stay accurate, the absolute time may have drifted); I = informative:
# the clock is trusted (kept by the RTC or restored) but has had no legal sync since
# boot; U = unknown: the clock is not trusted.
#
# OCMF "TM" value: the local time (ClockCtrlr TimeOffset, nts.localtime) with
# milliseconds, its offset and the flag: "2026-12-03T08:30:00,000+0100 S".
from nts.config import NTP_OFF
from nts.timescale import NS_PER_S


def status(engine, now_ns=None):
    """(ok, reason, ocmf_flag) for the running Engine."""
    cfg = engine.config.groups.get("legal")
    clock = engine.clock
    now = clock.now_ns() if now_ns is None else now_ns
    last = engine.last_sync_ns.get("legal")
    if cfg is None:
        return False, "no legal group configured", "I" if clock.is_trusted() else "U"
    fallback = "R" if last is not None else ("I" if clock.is_trusted() else "U")
    counter = engine.group_counters.get("legal")
    if counter is not None and counter.disabled:
        return False, "legal time off: %d consecutive failures (MaxErrors %d)" % (
            counter.count, counter.max_errors), fallback
    off = "" if engine.config.uses_ntp() else NTP_OFF + ": "
    if last is None:
        return False, off + "no legal-time sync since start", fallback
    max_interval = max(engine.config.server(c).MaxInterval for c in cfg.Clients)
    age = (now - last) // NS_PER_S
    if age > max_interval:
        return False, off + "last legal-time sync %d s ago, more than MaxInterval %d s" % (
            age, max_interval), fallback
    return True, "synced %d s ago by at least %d agreeing NTS sources" % (
        age, cfg.MinServers), "S"


def ocmf_time(engine, now_ns=None, config=None):
    """The OCMF "TM" value for now (or now_ns): local time in the TimeOffset of `config`
    (default: the engine's; a Station's config is newer until the next round)."""
    from nts.localtime import offset_s
    from nts.ocpp.rfc3339 import format_ns
    now = engine.clock.now_ns() if now_ns is None else now_ns
    text = format_ns(now, offset_s((config or engine.config).clock["TimeOffset"]))
    return "%s,%s%s %s" % (text[:19], text[20:23], text[23:].replace(":", ""),
                           status(engine, now)[2])
