"""ntscheck: will this NTS server set, over this network path, work for the chargers?

    python tools/ntscheck.py --server HOST[:PORT] [--server ...] --ca ROOTS.pem
    python tools/ntscheck.py --ocpp16 keys.txt --ca ROOTS.pem [--group legal]
    python tools/ntscheck.py --ocpp201 setvariables.json --ca ROOTS.pem
        [--min-servers N] [--samples N] [--interval S] [--timeout S] [--name SNI]
        [--ca-group NAME] [--offset-warn MS] [--offset-critical MS] [--delay-warn MS]
        [--delay-critical MS] [--cert-warn-days D] [--cert-critical-days D]
        [--max-stratum N] [--details] [--json]

PORT is the NTS-KE port (default 4460). Per server it measures DNS, the TCP connect
time, TLS version and ALPN, the certificate chain (against the given roots, with mpnts's
trust rules), the NTS-KE (time, AEAD, cookies, negotiated NTP server and port), then
NTS-protected NTP queries (reply sizes, offset, delay, stratum, refid, leap, root
distance, Kiss-o'-Death); when NTS queries get no reply it asks with plain NTPv4 to tell
a blocked port from a path that drops long packets. Across the set: how many agree (the
engine's selection, MinServers; only servers at stratum <= --max-stratum count) and the
spread. Verdicts and thresholds:
tools/ntscheck_verdicts.py and docs/operator-guide.md. It prints a table (or one JSON
object with --json) and the OCPP 1.6 ChangeConfiguration keys and 2.x SetVariables
payload for the servers that are not critical.

Exit status: 0 ok, 1 warn, 2 critical (the worst verdict), 3 usage error. It never sets
the host clock; it sends nothing but NTS-KE, NTS and plain NTP queries.

Also runs under the MicroPython unix port, `micropython tools/ntscheck.py ...`, for what
the port can do (everything but the TLS version/ALPN probe; tools/ntscheck_port.py).
"""
import asyncio
import json
import os
import sys
import time

try:
    HERE = os.path.dirname(os.path.abspath(__file__))
    FIRMWARE = os.path.join(os.path.dirname(HERE), "firmware")
except AttributeError:      # MicroPython: no os.path; __file__ as given on the command line
    HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    FIRMWARE = HERE + "/../firmware"
sys.path.insert(0, FIRMWARE)
sys.path.insert(0, HERE)

from nts.association import NTSAssociation  # noqa: E402
from nts.cli import split_host_port  # noqa: E402
from nts.errors import ConfigError, NTSError  # noqa: E402
from nts.tls import trust  # noqa: E402

import ntscheck_ocpp as ocpp  # noqa: E402
import ntscheck_port as port  # noqa: E402
import ntscheck_probe as probe  # noqa: E402
import ntscheck_verdicts as verdicts  # noqa: E402

EXIT = {verdicts.OK: 0, verdicts.WARN: 1, verdicts.CRITICAL: 2}
EXIT_USAGE = 3
_TRUST_GROUP = "check"


def _parser():
    if port.MICROPYTHON:
        return port.PortParser("ntscheck", EXIT_USAGE)
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message):
            self.print_usage(sys.stderr)
            sys.stderr.write("ntscheck: error: %s\n" % message)
            sys.exit(EXIT_USAGE)
    return _Parser(prog="ntscheck", description=__doc__.split("\n")[0])


def parse_args(argv):
    ap = _parser()
    src = ap.add_argument_group("the server set (one of)")
    src.add_argument("--server", action="append", default=[], metavar="HOST[:PORT]",
                     help="NTS-KE server (PORT default 4460); repeat for a set")
    src.add_argument("--ocpp16", metavar="FILE", help="OCPP 1.6 key file (key=value or JSON)")
    src.add_argument("--ocpp201", metavar="FILE", help="OCPP 2.x SetVariables JSON")
    ap.add_argument("--group", default="legal", choices=("legal", "local"),
                    help="time group to read from the OCPP input and write (default legal)")
    ap.add_argument("--ca", action="append", required=True, metavar="PEM",
                    help="root CA file (PEM or DER); repeat to add more")
    ap.add_argument("--ca-group", help="certificate group to configure as RootCAs "
                    "(default: the input's, else %s)" % ocpp.DEFAULT_CA_GROUP)
    ap.add_argument("--name", help="TLS server name for every server (default: its host)")
    ap.add_argument("--min-servers", type=int, help="agreeing servers needed (default: "
                    "the input's MinServers, else 1)")
    ap.add_argument("--samples", type=int, default=1, help="NTS queries per server")
    ap.add_argument("--interval", type=float, default=2.0,
                    help="seconds between sample rounds (default 2; be kind to servers)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per connection")
    lim = verdicts.LIMITS
    for opt, key, kind in (("--offset-warn", "offset_warn_ms", float),
                           ("--offset-critical", "offset_critical_ms", float),
                           ("--delay-warn", "delay_warn_ms", float),
                           ("--delay-critical", "delay_critical_ms", float),
                           ("--cert-warn-days", "cert_warn_days", float),
                           ("--cert-critical-days", "cert_critical_days", float),
                           ("--max-stratum", "max_stratum", int)):
        ap.add_argument(opt, dest=key, type=kind, default=lim[key],
                        help="threshold (default %s)" % lim[key])
    ap.add_argument("--details", action="store_true", help="every check, not only problems")
    ap.add_argument("--json", action="store_true", help="one JSON object for monitoring")
    a = ap.parse_args(argv)
    if sum(1 for x in (a.server, a.ocpp16, a.ocpp201) if x) != 1:
        ap.error("give --server (repeatable), --ocpp16 or --ocpp201")
    if a.samples < 1 or a.interval < 0 or a.timeout <= 0:
        ap.error("--samples must be >= 1, --interval >= 0, --timeout > 0")
    return a


def server_set(a):
    """(targets, MinServers, certificate group) from the arguments; ConfigError."""
    ms = ca = None
    if a.server:
        targets = []
        for text in a.server:
            host, ke_port = split_host_port(text, ocpp.KE_PORT)
            targets.append({"host": host, "port": ke_port, "mode": ocpp.MODE_NTS})
    elif a.ocpp16:
        targets, ms, ca = ocpp.servers_from_keys16(ocpp.read_keys16(a.ocpp16), a.group)
    else:
        targets, ms, ca = ocpp.servers_from_setvariables(a.ocpp201, a.group)
    if a.min_servers is not None:
        ms = a.min_servers
    ms = 1 if ms is None else ms
    if not 1 <= ms <= len(targets):
        raise ConfigError("MinServers", "%d, for %d servers" % (ms, len(targets)))
    return targets, ms, a.ca_group or ca or ocpp.DEFAULT_CA_GROUP


def trust_store(paths):
    store = trust.TrustStore()
    for p in paths:
        try:
            if not store.load(_TRUST_GROUP, p):
                raise ConfigError("--ca", "no certificate in %s" % p)
        except OSError as e:
            raise ConfigError("--ca", "cannot read %s: %s" % (p, e))
    return store


# --- measuring ------------------------------------------------------------------------------

async def _connect_facts(m, t, store, a):
    """DNS, TLS facts and NTS-KE into m; the NTSAssociation, or None when a step failed."""
    host, ke_port = t["host"], t["port"]
    m["dns"] = await port.blocking(probe.resolve, host, ke_port)
    if "error" in m["dns"]:
        return None
    m["tls"] = await port.blocking(probe.tls_facts, host, ke_port, m["name"], a.timeout)
    leaf = m["tls"].pop("leaf", None)
    if m["tls"].get("stage") == "tcp":
        return None
    m["ke"], result = await probe.nts_ke(host, ke_port, m["name"], store, _TRUST_GROUP,
                                         a.timeout)
    chain = m["ke"].pop("chain") or ([leaf] if leaf else [])
    m["chain"], m["anchor"] = probe.describe_chain(chain, store.anchors(_TRUST_GROUP),
                                                   time.time())
    return None if result is None else NTSAssociation(result)


async def measure(targets, store, a):
    """Facts per target (see tools/ntscheck_verdicts.py for how they are judged)."""
    ms = []
    assocs = []
    for t in targets:
        m = {"host": t["host"], "port": t["port"], "name": a.name or t["host"], "queries": []}
        if t.get("instance"):
            m["instance"] = t["instance"]
        ms.append(m)
        if t["mode"] != ocpp.MODE_NTS:
            m["skipped"] = t["mode"]
            assocs.append(None)
            continue
        assocs.append(await _connect_facts(m, t, store, a))
    # Sample rounds: one query per server per round, servers one after another.
    for r in range(a.samples):
        if r:
            await asyncio.sleep(a.interval)
        for m, assoc in zip(ms, assocs):
            if assoc is None or (m["queries"] and "sample" not in m["queries"][-1]):
                continue    # a server that stopped answering (or kissed) is asked once
            q = await probe.query(assoc, *_ntp_address(m))
            if "sample" in q:
                q["facts"] = probe.sample_facts(q["sample"])
            m["queries"].append(q)
    for m in ms:
        qs = m["queries"]
        good = [q for q in qs if "sample" in q]
        if qs and not good and not any("kod" in q for q in qs):
            m["plain"] = await probe.plain_probe(*_ntp_address(m))
        if good:
            m["candidate"] = probe.root_distance([q["sample"] for q in good],
                                                 [q["mono"] for q in good])
    return ms


def _ntp_address(m):
    k = m["ke"]
    return k["ntp_server"] or m["host"], k["ntp_port"]


# --- judging and reporting ---------------------------------------------------------------------

def judge(ms, min_servers, limits):
    """The report object (what --json prints, without the OCPP payloads)."""
    servers = []
    for m in ms:
        if "skipped" in m:
            checks = [verdicts.check("mode", verdicts.WARN, m["skipped"],
                                     "not an NTS server: ntscheck checks NTSv4 only")]
        else:
            checks = verdicts.server_checks(m, limits)
        servers.append({"host": m["host"], "port": m["port"], "checks": checks})
    set_checks, per_server = verdicts.set_checks(ms, min_servers, limits)
    for i in per_server:
        servers[i]["checks"].append(per_server[i])
    for s, m in zip(servers, ms):
        s["verdict"] = verdicts.worst(c["verdict"] for c in s["checks"])
        if "instance" in m:
            s["instance"] = m["instance"]
    verdict = verdicts.worst([s["verdict"] for s in servers]
                             + [c["verdict"] for c in set_checks])
    return {"verdict": verdict, "min_servers": min_servers, "set": set_checks,
            "servers": servers}


def _value(checks, name, fmt="%s"):
    for c in checks:
        if c["name"] == name and c["value"] is not None:
            return fmt % (c["value"],)
    return "-"


def print_table(report, details):
    print("%-22s %-8s %-7s %6s %-4s %-7s %-21s %10s %9s %3s %s" % (
        "SERVER", "VERDICT", "TLS", "KE ms", "AEAD", "COOKIES", "NTP AT", "OFFSET ms",
        "DELAY ms", "ST", "REFID"))
    for s in report["servers"]:
        c = s["checks"]
        aead = _value(c, "aead")
        print("%-22s %-8s %-7s %6s %-4s %-7s %-21s %10s %9s %3s %s" % (
            "%s:%d" % (s["host"], s["port"]), s["verdict"].upper(),
            _value(c, "tls_version").replace("TLSv", ""), _value(c, "nts_ke", "%.0f"),
            aead.split("(")[-1].rstrip(")") if aead != "-" else "-",
            _value(c, "cookies"), _value(c, "ntp_server"), _value(c, "offset", "%+.3f"),
            _value(c, "delay", "%.3f"), _value(c, "stratum"), _value(c, "refid")))
    shown = [(s, c) for s in report["servers"] for c in s["checks"]
             if details or c["verdict"] != verdicts.OK]
    if shown:
        print()
    for s, c in shown:
        value = c["value"] if not isinstance(c["value"], (dict, list)) else json.dumps(c["value"])
        print("  %-8s %s:%d %s: %s%s" % (c["verdict"], s["host"], s["port"], c["name"],
                                        "-" if value is None else value,
                                        " -- " + c["message"] if c["message"] else ""))
    notes = []
    for s in report["servers"]:
        for c in s["checks"]:
            if c["name"] == "tls" and c["verdict"] == verdicts.OK and c["message"] not in notes:
                notes.append(c["message"])      # MicroPython: what was not probed
    print()
    for n in notes:
        print("note: " + n)
    for c in report["set"]:
        print("set %-8s %s: %s -- %s" % (c["verdict"], c["name"], c["value"], c["message"]))
    print("verdict: %s" % report["verdict"].upper())


def ocpp_payloads(report, targets, min_servers, ca_group, group):
    """The configuration for the servers that are not critical, or None when too few."""
    keep = [t for t, s in zip(targets, report["servers"]) if s["verdict"] != verdicts.CRITICAL]
    if len(keep) < min_servers:
        return None
    return {"servers": ["%s:%d" % (t["host"], t["port"]) for t in keep],
            "ocpp16_change_configuration": ocpp.change_configuration(keep, min_servers,
                                                                     ca_group, group),
            "ocpp201_set_variables": ocpp.set_variables(keep, min_servers, ca_group, group)}


def print_ocpp(conf, min_servers):
    print()
    if conf is None:
        print("OCPP: no configuration: fewer than MinServers %d servers are usable"
              % min_servers)
        return
    print("OCPP configuration for %s (critical servers left out):" % ", ".join(conf["servers"]))
    print("  1.6 ChangeConfiguration.req, one per key:")
    for kv in conf["ocpp16_change_configuration"]:
        print("    " + json.dumps(kv))
    print("  2.x SetVariablesRequest:")
    print("    " + json.dumps(conf["ocpp201_set_variables"]))


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    limits = dict((k, getattr(a, k)) for k in verdicts.LIMITS if hasattr(a, k))
    for k in verdicts.LIMITS:
        limits.setdefault(k, verdicts.LIMITS[k])
    try:
        targets, min_servers, ca_group = server_set(a)
        store = trust_store(a.ca)
    except NTSError as e:
        sys.stderr.write("ntscheck: %s\n" % e)
        return EXIT_USAGE
    report = judge(asyncio.run(measure(targets, store, a)), min_servers, limits)
    conf = ocpp_payloads(report, targets, min_servers, ca_group, a.group)
    if a.json:
        report["ocpp"] = conf
        print(json.dumps(report))
    else:
        print_table(report, a.details)
        print_ocpp(conf, min_servers)
    return EXIT[report["verdict"]]


if __name__ == "__main__":
    sys.exit(main())
