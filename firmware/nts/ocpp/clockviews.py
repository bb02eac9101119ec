# The ClockCtrlr variables that are views, not settings (nts.ocpp.settings' comment):
# DateTime (the clock, UTC), NtpSource ("manual") and NtpServerUri[<priority digit>].
# Apart from nts.ocpp.settings so that the handlers load this only when a view is read.
from nts.config import MODE_NTP, MODE_NTS
from nts.ocpp import settings


def ranked(d):
    """The server dicts in the engine's order: Priority, then configured order."""
    order = list(range(len(d["servers"])))
    order.sort(key=lambda i: (d["servers"][i]["Priority"], i))
    return [d["servers"][i] for i in order]


def _uri(s):
    if s["Mode"] == MODE_NTS:
        scheme, host, port, std = "nts", s["NTSKEServerURL"] or s["ServerURL"], \
            s["NTSKEServerPort"], 4460
    else:
        scheme, host, port, std = ("ntp" if s["Mode"] == MODE_NTP else "ntp+tls"), \
            s["ServerURL"], s["ServerPort"], 123
    if ":" in host and host[:1] != "[":
        host = "[%s]" % host                        # an IPv6 literal
    return "%s://%s%s" % (scheme, host, "" if port == std else ":%d" % port)


def value(d, variable, var_instance, now_ns):
    """The OCPP string of a ClockCtrlr view (nts.ocpp.settings.CLOCK_VIEWS)."""
    if variable == "DateTime":
        if now_ns is None:
            raise settings.UnknownSetting("no clock", False)
        from nts.ocpp.rfc3339 import format_ns
        return format_ns(now_ns)
    if variable == "NtpSource":
        return "manual"
    servers = ranked(d)
    rank = var_instance or "1"
    if len(rank) != 1 or not "1" <= rank <= str(min(len(servers), settings.MAX_URI_RANK)):
        raise settings.UnknownSetting("no NtpServerUri[%s]" % rank, False)
    return _uri(servers[int(rank) - 1])
