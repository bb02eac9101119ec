# The operator's view (`nts.status()` at the REPL): a pure function of a snapshot the
# engine hands in. Only whitelisted fields are copied out of the snapshot, and cookies
# are reduced to a count, so keys and cookie bytes cannot reach the output even if the
# engine passes its whole session objects' fields.
#
# Snapshot (every key optional):
#   {"time_ns": int, "clock": {"driver": str, "trusted": bool, "last_adjustment": "step" |
#                              "slew" | None (what the clock group's last round did)},
#    "store_error": str,
#    "groups": {"legal": {"ok": bool, "offset": float, "truechimers": [names],
#                         "rejected": {name: why}, "min_servers": int, "errors": int,
#                         "disabled": bool, "last_sync_ns": int, "reason": str}, ...},
#    "servers": [{"name", "host", "port", "mode", "state", "offset" (s), "delay" (s),
#                 "max_error" (s: root distance, association.Sample.max_error_ns),
#                 "stratum", "cookies" (list or count), "aead" (id), "last_ke" (unix s),
#                 "ke_count", "nak_rekeys", "errors", "last_error", "ntp" ((ip, port) last
#                 queried, else (host, port) as negotiated), "signature"
#                 (nts.signed's verdict)}, ...]}
# (Engine.snapshot() is the public status model; nothing reads engine internals.)
from nts.aead import NAMES
from nts.timescale import NS_PER_S
from rtc.civil import iso_utc

_AEAD_NAMES = dict((v, k) for k, v in NAMES.items())

_SERVER_FIELDS = (("name", str, ""), ("host", str, ""), ("port", int, 0), ("mode", str, ""),
                  ("state", str, ""), ("offset", float, None), ("delay", float, None),
                  ("max_error", float, None),
                  ("stratum", int, None), ("aead", int, None), ("last_ke", int, None),
                  ("ke_count", int, 0), ("nak_rekeys", int, 0), ("errors", int, 0),
                  ("last_error", str, ""), ("signature", str, None))
_GROUP_FIELDS = (("ok", bool, False), ("offset", float, None), ("min_servers", int, None),
                 ("errors", int, 0), ("disabled", bool, False), ("last_sync_ns", int, None),
                 ("reason", str, ""))


def _pick(src, spec):
    out = {}
    for key, typ, default in spec:
        v = src.get(key, default)
        if v is not None and v is not default:
            try:
                v = typ(v)
            except (TypeError, ValueError):
                v = default
        out[key] = v
    return out


def _cookie_count(v):
    if isinstance(v, (list, tuple)):
        return len(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return 0


def model(snapshot):
    """The status as plain data (JSON-able), secrets removed."""
    servers = []
    for s in snapshot.get("servers", ()):
        row = _pick(s, _SERVER_FIELDS)
        row["cookies"] = _cookie_count(s.get("cookies"))
        row["aead_name"] = _AEAD_NAMES.get(row["aead"], "" if row["aead"] is None else str(row["aead"]))
        servers.append(row)
    groups = {}
    src_groups = snapshot.get("groups", {})
    for name in sorted(src_groups):
        g = _pick(src_groups[name], _GROUP_FIELDS)
        g["truechimers"] = [str(n) for n in src_groups[name].get("truechimers", ())]
        groups[name] = g
    clock = snapshot.get("clock", {})
    return {"time_ns": snapshot.get("time_ns"),
            "clock": {"driver": str(clock.get("driver", "")), "trusted": bool(clock.get("trusted")),
                      "last_adjustment": _adjustment(clock.get("last_adjustment"))},
            "groups": groups, "servers": servers}


def _adjustment(v):
    return v if v in ("step", "slew") else None


def _ms(v):
    return "-" if v is None else "%+.3f" % (v * 1000)


def render(snapshot):
    """The status as a text table (what nts.status() prints)."""
    m = model(snapshot)
    lines = []
    head = "mpnts status"
    if m["time_ns"] is not None:
        head += " at " + iso_utc(m["time_ns"] // NS_PER_S)
    clock = m["clock"]
    head += "; clock %s%s" % ("trusted" if clock["trusted"] else "NOT trusted",
                              " (%s)" % clock["driver"] if clock["driver"] else "")
    if clock["last_adjustment"]:
        head += ", %s by the last round" % {"step": "stepped", "slew": "slewed"}[
            clock["last_adjustment"]]
    lines.append(head)
    for name in sorted(m["groups"]):
        g = m["groups"][name]
        if g["ok"]:
            text = "OK offset %s ms from %s" % (_ms(g["offset"]), ",".join(g["truechimers"]) or "-")
        else:
            text = "NO TIME" + (": " + g["reason"] if g["reason"] else "")
        if g["min_servers"] is not None:
            text += " (min %d)" % g["min_servers"]
        text += "; errors %d" % g["errors"]
        if g["disabled"]:
            text += "; LEGAL-TIME FEATURES DISABLED" if name == "legal" else "; features disabled"
        if g["last_sync_ns"] is not None:
            text += "; last sync " + iso_utc(g["last_sync_ns"] // NS_PER_S)
        lines.append("group %s: %s" % (name, text))
    fmt = "%-10s %-28s %-8s %-9s %11s %10s %3s %7s %-16s %-20s %6s  %s"
    lines.append(fmt % ("server", "address", "mode", "state", "offset(ms)", "delay(ms)", "st",
                        "cookies", "aead", "last KE (UTC)", "errors", "last error"))
    for s in m["servers"]:
        lines.append(fmt % (s["name"], "%s:%d" % (s["host"], s["port"]), s["mode"], s["state"],
                            _ms(s["offset"]), _ms(s["delay"]),
                            "-" if s["stratum"] is None else s["stratum"], s["cookies"],
                            s["aead_name"] or "-",
                            iso_utc(s["last_ke"]) if s["last_ke"] else "-", s["errors"],
                            s["last_error"] + ("  signature " + s["signature"]
                                               if s["signature"] else "")))
    return "\n".join(lines)
