# The engine's events (nts.policy, nts.ocpp.station, nts.ocpp.certstore) into the two
# logs and the CSMS: use an EventSink as the Engine's hook.
#
# - Every event with a "log" goes to that log: "security" (security log) or
#   "metrological" (secure metrological log); SettingSystemTime goes to both (a clock
#   adjustment above the threshold belongs in the metrological log book too).
# - The white paper's security events become SecurityEventNotification requests in the
#   offline queue (nts.ocpp.eventqueue), in order: SettingSystemTime (critical in the
#   OCPP security event list), SyncFailing / SyncRecovered (ErrorLogging consecutive
#   errors and the recovery), TimeFeaturesDisabled / TimeFeaturesEnabled (MaxErrors
#   reached: features that need the group's time off), NTPConfigurationChanged,
#   TimeRootCAChanged. The request is the same in 1.6 (security extension) and 2.0.1.
from nts.ocpp.rfc3339 import format_ns

NOTIFIED = ("SettingSystemTime", "SyncFailing", "SyncRecovered", "TimeFeaturesDisabled",
            "TimeFeaturesEnabled", "NTPConfigurationChanged", "TimeRootCAChanged")
MAX_TECH_INFO = 255


def _when(e):
    return e.get("time_ns", e.get("new_ns", 0))


def tech_info(e):
    """What happened, for a person reading the CSMS's event list (<= 255 characters)."""
    kind = e["event"]
    if kind == "SettingSystemTime":
        text = "%s -> %s (%+.3f s; %s: %s)" % (format_ns(e["old_ns"]), format_ns(e["new_ns"]),
                                             e["offset"], e["group"],
                                             ",".join(e.get("sources", ())))
    elif kind == "SyncFailing":
        text = "%s: %d consecutive errors: %s" % (e["subject"], e["count"], e["reason"])
    elif kind == "SyncRecovered":
        text = "%s: recovered after %d errors" % (e["subject"], e["count"])
    elif kind == "TimeFeaturesDisabled":
        text = "%s: %d consecutive errors, features needing its time off: %s" % (
            e["subject"], e["count"], e["reason"])
    elif kind == "TimeFeaturesEnabled":
        text = "%s: time valid again, features on" % e["subject"]
    elif kind == "TimeRootCAChanged":
        text = "%s %s in %s (%s)" % (e["action"], e["subject"], e["group"], e["sha256"][:16])
    else:
        text = str(e.get("change", ""))
    return text[:MAX_TECH_INFO]


def notification(e):
    """The SecurityEventNotification request for event e."""
    return {"type": e["event"], "timestamp": format_ns(_when(e)), "techInfo": tech_info(e)}


class EventSink:
    """security, metrological: nts.ocpp.chainlog.ChainLog (or None); queue:
    nts.ocpp.eventqueue.EventQueue (or None). Callable: the engine's hook."""

    def __init__(self, security=None, metrological=None, queue=None):
        self.logs = {"security": security, "metrological": metrological}
        self.queue = queue
        self.last_error = ""

    def __call__(self, e):
        when = _when(e)
        try:
            for name in ("security", "metrological"):
                log = self.logs[name]
                if log is not None and (e.get("log") == name or (
                        name == "metrological" and e["event"] == "SettingSystemTime")):
                    log.append(when, e)
            if self.queue is not None and e["event"] in NOTIFIED:
                self.queue.put(notification(e), when)
        except OSError as err:      # a full or failing flash must not stop the clock
            self.last_error = "event %s not stored: %s" % (e["event"], err)
