# Verdicts for tools/ntscheck.py: the facts from tools/ntscheck_probe.py judged against
# documented thresholds. A check is {"name", "verdict", "value", "message"}; verdicts
# are "ok" < "warn" < "critical", and a server's (and the run's) verdict is its worst.
#
# Thresholds (LIMITS; the operator guide explains each, docs/operator-guide.md):
#   offset       warn 300 ms, critical 1 s: |server - this host's clock|, median of the
#                samples. A charger steps above 128 ms (StepThreshold) and reports a
#                SettingSystemTime event above 5 s; 300 ms is what operators monitor.
#   delay        warn 200 ms, critical 1 s: round trip; the offset error is at most half.
#   cert expiry  warn 7 days, critical 3 days (or expired): Let's Encrypt leaves renew
#                30 days ahead, so a week left means the renewal failed.
#   root distance warn 500 ms, critical 1.5 s: nts.selection drops a source beyond 1.5 s.
#   KE time      warn 2 s: a board's slower handshake comes on top; the engine gives up
#                at 5 s.
#   jitter       warn 50 ms (with --samples > 1).
#   stratum      warn above max_stratum (default 15); 16 / leap alarm are refused anyway.
#   agreement    critical when fewer than MinServers agree (nts.selection, as the engine
#                decides) at stratum <= max_stratum; spread: offset thresholds over the
#                servers that answered.
from nts import selection
from ntscheck_probe import aead_name

OK = "ok"
WARN = "warn"
CRITICAL = "critical"
_RANK = {OK: 0, WARN: 1, CRITICAL: 2}

LIMITS = {
    "offset_warn_ms": 300.0, "offset_critical_ms": 1000.0,
    "delay_warn_ms": 200.0, "delay_critical_ms": 1000.0,
    "cert_warn_days": 7.0, "cert_critical_days": 3.0,
    "root_distance_warn_ms": 500.0, "root_distance_critical_ms": selection.MAX_DISTANCE * 1000,
    "ke_warn_ms": 2000.0, "jitter_warn_ms": 50.0, "max_stratum": 15,
}
# NTS packets are longer than this; some networks drop longer NTP packets (white paper).
LONG_NTP_PACKET = 200
_LEAP = {0: "none", 1: "+1 s at the end of the month", 2: "-1 s at the end of the month",
         3: "alarm (unsynchronized)"}


def worst(verdicts):
    w = OK
    for v in verdicts:
        if _RANK[v] > _RANK[w]:
            w = v
    return w


def check(name, verdict, value, message=""):
    return {"name": name, "verdict": verdict, "value": value, "message": message}


def _level(value, warn, critical):
    if critical is not None and value >= critical:
        return CRITICAL
    if warn is not None and value >= warn:
        return WARN
    return OK


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def server_checks(m, limits):
    """Checks for one server's facts `m` (see tools/ntscheck.py measure()). Stops at the
    first step that failed: later steps were not measured."""
    out = []
    dns = m["dns"]
    if "error" in dns:
        out.append(check("dns", CRITICAL, None, dns["error"]))
        return out
    out.append(check("dns", OK, dns["addresses"], "%.1f ms" % dns["ms"]))
    tls = m["tls"]
    if tls.get("stage") == "tcp":
        out.append(check("tcp_connect", CRITICAL, None, tls["error"] + _HINT_TCP))
        return out
    out.append(check("tcp_connect", OK, tls["connect_ms"], "ms to connect"))
    if "error" in tls:
        out.append(check("tls", CRITICAL, None, tls["error"]))
    elif "skipped" in tls:      # MicroPython: no TLS probe; NTS-KE below is TLS 1.3 + ntske/1
        out.append(check("tls", OK, None, tls["skipped"]))
    else:
        v = tls["version"]
        out.append(check("tls_version", OK if v == "TLSv1.3" else CRITICAL, v,
                         "" if v == "TLSv1.3" else "NTS-KE requires TLS 1.3 (RFC 8915 3)"))
        a = tls["alpn"]
        out.append(check("alpn", OK if a == "ntske/1" else CRITICAL, a,
                         "" if a == "ntske/1" else "the server did not select ntske/1: "
                         "not an NTS-KE port, or NTS is disabled on it"))
    out.extend(_chain_checks(m, limits))
    k = m["ke"]
    if "error" in k:
        out.append(check("nts_ke", CRITICAL, None, k["error"]))
        return out
    out.append(check("nts_ke", _level(k["ms"], limits["ke_warn_ms"], None), k["ms"],
                     "ms from TCP connect to End of Message (mpnts TLS 1.3)"))
    out.append(check("aead", OK, aead_name(k["aead"])))
    sizes = k["cookie_sizes"]
    out.append(check("cookies", OK if len(sizes) >= 8 else WARN, len(sizes),
                     "%s bytes each" % "/".join(str(s) for s in sorted(set(sizes)))
                     + ("" if len(sizes) >= 8 else "; fewer than 8: more key exchanges")))
    out.append(check("ntp_server", OK, "%s:%d" % (k["ntp_server"] or m["host"], k["ntp_port"]),
                     "negotiated" if k["ntp_server"] or k["ntp_port"] != 123 else
                     "default (the NTS-KE host, port 123)"))
    out.extend(_ntp_checks(m, limits))
    return out


_HINT_TCP = "; outbound TCP to the NTS-KE port (4460) must be allowed, with state tracking"


def _chain_checks(m, limits):
    out = []
    certs = m.get("chain") or []
    for i, c in enumerate(certs):
        name = "certificate[%d]" % i
        if "error" in c:
            out.append(check(name, CRITICAL, None, c["error"]))
            continue
        days = c["days_left"]
        if days < 0:
            v, why = CRITICAL, "expired %.1f days ago" % -days
        elif days <= limits["cert_critical_days"]:
            v, why = CRITICAL, "expires in %.1f days" % days
        elif days <= limits["cert_warn_days"]:
            v, why = WARN, "expires in %.1f days" % days
        else:
            v, why = OK, "%.0f days left" % days
        out.append(check(name, v, "%s <- %s, %s" % (c["subject"], c["issuer"], c["key"]), why))
    a = m.get("anchor")
    if a is not None:
        if a["intermediate"]:
            out.append(check("trust_anchor", WARN, a["subject"],
                             "the CA file holds the intermediate %r (issued by %r), which "
                             "rotates (Let's Encrypt: every few months): give its root "
                             "instead" % (a["subject"], a["issuer"])))
        else:
            out.append(check("trust_anchor", OK, a["subject"], "self-signed root"))
    elif certs:
        out.append(check("trust_anchor", CRITICAL, None,
                         "no certificate of the CA file is in or above the server's chain"))
    return out


def _ntp_checks(m, limits):
    out = []
    qs = m["queries"]
    good = [q for q in qs if "sample" in q]
    sizes = [q["request_bytes"] for q in qs if q.get("request_bytes")]
    req = max(sizes) if sizes else None
    k = m["ke"]
    where = "%s:%d" % (k["ntp_server"] or m["host"], k["ntp_port"])
    kods = [q["kod"] for q in qs if "kod" in q]
    if kods:
        code = kods[-1]
        v = WARN if code in ("RATE", "NTSN") else CRITICAL
        out.append(check("kod", v, code, {
            "RATE": "the server asks us to poll less often",
            "NTSN": "NTS NAK: the server could not use our cookie (re-key)",
        }.get(code, "the server refuses service (RFC 5905 7.4)")))
    if not good:
        if kods:
            return out
        out.append(check("ntp_udp", CRITICAL, {"request_bytes": req},
                         _no_reply_message(m, where, req)))
        return out
    reply = max(q["reply_bytes"] for q in good)
    out.append(check("ntp_udp", OK, {"request_bytes": req, "reply_bytes": reply},
                     "%d of %d queries answered at %s" % (len(good), len(qs), where)))
    s = [q["facts"] for q in good]
    offsets = [f["offset_ms"] for f in s]
    delays = [f["delay_ms"] for f in s]
    off = median(offsets)
    out.append(check("offset", _level(abs(off), limits["offset_warn_ms"],
                                      limits["offset_critical_ms"]), round(off, 3),
                     "ms, server minus this host's clock (median of %d)" % len(s)))
    d = median(delays)
    out.append(check("delay", _level(d, limits["delay_warn_ms"], limits["delay_critical_ms"]),
                     round(d, 3), "ms round trip (median)"))
    last = s[-1]
    st = last["stratum"]
    out.append(check("stratum", OK if st <= limits["max_stratum"] else WARN, st,
                     "" if st <= limits["max_stratum"] else
                     "above the expected %d" % limits["max_stratum"]))
    out.append(check("refid", OK, last["refid"]))
    leap = last["leap"]
    out.append(check("leap", OK if leap == 0 else WARN, leap, _LEAP.get(leap, "?")))
    cand = m.get("candidate")
    if cand is not None:
        rd = cand[1] * 1000
        out.append(check("root_distance", _level(rd, limits["root_distance_warn_ms"],
                                                 limits["root_distance_critical_ms"]),
                         round(rd, 3), "ms: the error bound nts.selection works with"))
    if len(s) > 1:
        jit = (sum((x - off) ** 2 for x in offsets) / (len(offsets) - 1)) ** 0.5
        out.append(check("samples", _level(jit, limits["jitter_warn_ms"], None),
                         {"n": len(s), "offset_min_ms": round(min(offsets), 3),
                          "offset_median_ms": round(off, 3),
                          "offset_max_ms": round(max(offsets), 3),
                          "delay_min_ms": round(min(delays), 3),
                          "delay_max_ms": round(max(delays), 3),
                          "jitter_ms": round(jit, 3)},
                         "jitter %.3f ms over %d samples" % (jit, len(s))))
    return out


def _no_reply_message(m, where, req):
    qs = m["queries"]
    errors = [q["error"] for q in qs if "error" in q]
    rejected = [q["rejected"] for q in qs if "rejected" in q]
    plain = m.get("plain")
    size = "%s-byte " % req if req else ""
    if rejected:
        return "replies from %s were refused: %s" % (where, rejected[-1])
    if errors and plain != "answered":
        return ("%s: %s; NTS-KE works, so the negotiated NTP port is closed or "
                "unreachable" % (where, errors[-1]))
    if plain == "answered":
        return ("no reply to %sNTS requests at %s, but a plain 48-byte NTPv4 query is "
                "answered: the path (firewall, NAT, carrier) drops NTP packets longer "
                "than %d bytes; allow long NTP packets on UDP %s"
                % (size, where, LONG_NTP_PACKET, where.rsplit(":", 1)[1]))
    return ("no reply from %s, neither to NTS nor to plain NTPv4, while NTS-KE works: "
            "UDP to the NTP port is blocked; allow outbound UDP %s with state tracking "
            "(replies come back to a random source port)" % (where, where.rsplit(":", 1)[1]))


def _stratum(m):
    """The stratum of a server's last answered query."""
    return [q["facts"]["stratum"] for q in m["queries"] if "sample" in q][-1]


def set_checks(ms, min_servers, limits):
    """Checks across servers (agreement under MinServers, spread) and the per-server
    selection verdicts: (set checks, {index: selection check})."""
    cands = []
    failed = {}
    owner = {}      # source identity -> index of the first server that had it
    labels = dict((str(i), "%s:%d" % (m["host"], m["port"])) for i, m in enumerate(ms))
    per_server = {}
    for i, m in enumerate(ms):
        name = str(i)
        c = m.get("candidate")
        if c is None:
            failed[name] = "no sample"
            continue
        # As the engine (nts.sources): the same NTS-KE server or the same NTP address
        # counts once towards MinServers.
        ids = [("ke", m["host"].lower(), m["port"])]
        ids += [("ntp", q["address"]) for q in m["queries"] if q.get("address")]
        first = [owner[x] for x in ids if x in owner]
        if first:
            per_server[i] = check("selection", WARN, "duplicate",
                                  "the same source as %s: counts once" % labels[str(first[0])])
            continue
        for x in ids:
            owner[x] = i
        cands.append(selection.Candidate(name, c[0], c[1]))
    out = []
    sel = selection.select(cands, min_servers, failed)
    # The engine selects over every source; the operator expects MinServers of them at
    # the expected stratum (--max-stratum): a truechimer above it does not count here.
    agree, high = [], []
    for n in sel.truechimers:
        (agree if _stratum(ms[int(n)]) <= limits["max_stratum"] else high).append(labels[n])
    if sel.ok and len(agree) >= min_servers:
        out.append(check("agreement", OK, len(agree),
                         "%d of %d servers agree (MinServers %d): %s"
                         % (len(agree), len(ms), min_servers, ", ".join(agree))))
    elif sel.ok:
        out.append(check("agreement", CRITICAL, len(agree),
                         "fewer than MinServers %d agree at stratum <= %d: %d do (%s); "
                         "above it: %s" % (min_servers, limits["max_stratum"], len(agree),
                                           ", ".join(agree) or "none", ", ".join(high))))
    else:
        out.append(check("agreement", CRITICAL, 0, "fewer than MinServers %d agree: %s"
                         % (min_servers, sel.reason)))
    for c in cands:
        i = int(c.name)
        if c.name in sel.truechimers:
            per_server[i] = check("selection", OK, "truechimer")
        else:
            why = sel.rejected.get(c.name, "")
            per_server[i] = check("selection", CRITICAL if why.startswith("falseticker")
                                  else WARN, why.split(":")[0], why)
    if cands:
        offs = [c.offset * 1000 for c in cands]
        spread = max(offs) - min(offs)
        out.append(check("spread", _level(spread, limits["offset_warn_ms"],
                                          limits["offset_critical_ms"]), round(spread, 3),
                         "ms between the earliest and latest of %d answering servers"
                         % len(cands)))
    return out, per_server
