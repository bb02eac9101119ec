# `nts sync --server HOST[:PORT] [--server ...] --ca PEMFILE [--name SNI] [--min-servers N]
#           [--state FILE] [--timeout S] [--json]`
# One engine round (nts.engine): NTS-KE with every server (PORT is the NTS-KE port,
# default 4460), one authenticated query each in parallel, selection, a table. It NEVER
# sets the host clock: the clock is rtc.unix.UnixClock, which only keeps a software
# offset. --state FILE persists the sessions so the next run needs no key exchange.
# Exit statuses (nts.cli): 0 at least --min-servers (default 1) agreeing sources, 1 fewer,
# 2 usage, 3 no server answered an authenticated query (network / key exchange), 130 Ctrl-C.
import json

from nts import cli, ke
from nts.config import Config
from nts.engine import DEFAULT_CA_GROUP, Engine, Transport
from nts.errors import ConfigError, NTSError
from nts.platform import ticks_diff, ticks_ms
from nts.tls import trust

_SPEC = {"--ca": True, "--name": True, "--min-servers": True, "--state": True,
         "--timeout": True, "--json": False}

USAGE = """usage: nts sync --server HOST[:PORT] [--server ...] --ca ROOT.pem [--name SNI]
                [--min-servers N] [--state FILE] [--timeout S] [--json]
Key exchange and one NTS-protected query per server in parallel, then selection: prints
each server's offset, delay and verdict and the agreed offset. Never sets the host clock.
  --server HOST[:PORT]  an NTS-KE server (port 4460 by default; IPv6 as [ADDR]:PORT); repeat
  --ca FILE             PEM or DER root certificate(s) every chain must end at
  --name SNI            the name the certificates must carry (default: each HOST)
  --min-servers N       agreeing servers needed (default 1)
  --state FILE          keep sessions here (created 0600) so the next run needs no key exchange
  --timeout S           seconds per key exchange (default 5, at most 600)
  --json                one JSON object; errors as {"type", "message"}"""

# Peer states (nts.peer) -> the error type a script sees.
_STATE_TYPES = {"no-reply": "Timeout", "nak": "NTSNak", "rate": "KissOfDeath",
                "denied": "KissOfDeath", "unreachable": "NetError", "held": "KissOfDeath",
                "cert-rejected": "CertError", "unsupported": "ConfigError"}


def _split_servers(argv):
    """(["HOST[:PORT]", ...], other args): --server may repeat, cli.parse_options keeps one."""
    servers = []
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] == "--server":
            if i + 1 >= len(argv):
                raise ConfigError("--server", "needs a value")
            servers.append(argv[i + 1])
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    if not servers:
        raise ConfigError("--server", "at least one is required")
    return servers, rest


def _number(opts, name, default, kind):
    try:
        return kind(opts.get(name, default))
    except ValueError:
        raise ConfigError(name, "not a number")


def _setup(argv):
    if "--help" in argv or "-h" in argv:
        raise cli.Help()
    texts, rest = _split_servers(argv)
    opts = cli.parse_options(rest, _SPEC)
    cli.timeout(opts)
    if "--ca" not in opts:
        raise ConfigError("--ca", "required")
    addrs = [cli.split_host_port(t, ke.PORT) for t in texts]
    servers = []
    for i, (host, port) in enumerate(addrs):
        servers.append({"Instance": "s%d" % (i + 1), "ServerURL": host,
                        "NTSKEServerPort": port, "Preflight": 0,
                        "AEADAlgorithm": ["AES-SIV-CMAC-256", "AES-128-GCM-SIV"]})
    config = Config.from_dict({"servers": servers, "groups": {
        "legal": {"MinServers": _number(opts, "--min-servers", "1", int)}}})
    store = trust.TrustStore()
    try:
        n = store.load(DEFAULT_CA_GROUP, opts["--ca"])
    except (OSError, NTSError) as e:
        raise ConfigError("--ca", "cannot read %s: %s" % (opts["--ca"], e))
    if not n:
        raise ConfigError("--ca", "no certificate in %s" % opts["--ca"])
    return config, addrs, opts, store


def _verdict(name, sel):
    if sel is not None and name in sel.truechimers:
        return "truechimer"
    if sel is not None and name in sel.rejected:
        return sel.rejected[name]
    return ""


def _rows(engine, addrs, sel, queried):
    rows = []
    for p, (host, port) in zip(engine.peers, addrs):
        good = p.name in queried
        s = p.last
        rows.append({
            "host": host, "port": port, "authenticated": good,
            "offset_s": s.offset / 1e9 if good else None,
            "delay_s": s.delay / 1e9 if good else None,
            "stratum": s.stratum if good else None,
            "aead": p.assoc.aead if p.assoc is not None else None,
            "cookies": (len(p.assoc.cookies) if p.assoc is not None else 0)
            + (len(engine._flash[p.name].cookies) if p.name in engine._flash else 0),
            "key_exchanges": p.ke_count,
            "ntp": _ntp(p),
            "error": None if good else _error(p),
            "verdict": _verdict(p.name, sel)})
    return rows


def _ntp(p):
    # The NTP address the queries went to: resolved when known, else as negotiated.
    a = cli.socket_address(p.ntp_addr) if p.ntp_addr is not None else None
    if a is None and p.assoc is not None:
        a = p.ntp_address()
    return cli.host_port(*a) if a else None


def _error(p):
    # {"type", "message"} from a peer's last error ("key exchange: CertError: ...").
    text = p.last_error or p.state
    if text.startswith("key exchange: ") and ": " in text[14:]:
        kind, _, msg = text[14:].partition(": ")
        if kind.isalpha():
            return {"type": kind, "message": "key exchange: " + cli.terms(msg)}
    return {"type": _STATE_TYPES.get(p.state, "Error"), "message": cli.terms(text)}


def _table(out):
    for w in out.get("warnings", ()):
        print("warning: %s" % w)
    print("%-24s %-24s %-5s %12s %10s %3s %5s %7s  %s" % (
        "server", "ntp", "auth", "offset(ms)", "delay(ms)", "st", "aead", "cookies",
        "verdict"))
    for r in out["servers"]:
        err = r["error"]
        print("%-24s %-24s %-5s %12s %10s %3s %5s %7d  %s" % (
            cli.host_port(r["host"], r["port"]), r["ntp"] or "-",
            "yes" if r["authenticated"] else "no",
            "-" if r["offset_s"] is None else "%+.3f" % (r["offset_s"] * 1000),
            "-" if r["delay_s"] is None else "%.3f" % (r["delay_s"] * 1000),
            "-" if r["stratum"] is None else r["stratum"],
            "-" if r["aead"] is None else r["aead"], r["cookies"],
            r["verdict"] or ("%s: %s" % (err["type"], err["message"]) if err else "")))
    if out["ok"]:
        print("selected offset %+.3f ms from %s (min %d)" % (
            out["offset_s"] * 1000, ", ".join(out["truechimers"]), out["min_servers"]))
    else:
        print("NO TIME: %s (min %d)" % (out["error"]["message"], out["min_servers"]))
    if "state_error" in out:
        print("state file: %s" % out["state_error"])


def main(argv):
    as_json = "--json" in argv
    try:
        try:
            config, addrs, opts, store = _setup(argv)
        except cli.Help:
            return cli.usage(USAGE)
        timeout = cli.timeout(opts)
        from rtc.unix import UnixClock
        state = None
        if "--state" in opts:
            from nts.state import Store
            state = Store(opts["--state"])
        engine = Engine(config, UnixClock(trusted=True),
                        Transport(store, opts.get("--name"), timeout), state)
        engine.query_timeout = min(timeout, 2.0)
        engine.load_state()
        import asyncio
        t0 = ticks_ms()
        sel = asyncio.run(engine.sync_once())
        sync_ms = ticks_diff(ticks_ms(), t0)
        queried = [p.name for p in engine.peers if p.state == "ok"]
        rows = _rows(engine, addrs, sel, queried)
        engine.shutdown()
    except NTSError as e:
        return cli.report(False, {}, as_json, e)
    names = dict((p.name, cli.host_port(*a)) for p, a in zip(engine.peers, addrs))
    out = {"ok": bool(sel.ok), "offset_s": sel.offset if sel.ok else None,
           "min_servers": config.groups["legal"].MinServers,
           "truechimers": [names[n] for n in sel.truechimers],
           "reason": sel.reason, "sync_ms": sync_ms, "servers": rows}
    if engine.store_error and state is not None and "no state file" not in engine.store_error:
        out["state_error"] = engine.store_error
    if config.warnings:     # e.g. the same server given twice: it counts once
        out["warnings"] = config.warnings
    status = _status(out)
    if status == cli.EXIT_TOO_FEW:
        out["error"] = {"type": "TooFewSources", "message": sel.reason or "too few agreeing sources"}
    elif status == cli.EXIT_NETWORK:
        out["error"] = {"type": "NoServerReached", "message": "no server answered: " + "; ".join(
            "%s: %s" % (r["host"], r["error"]["message"]) for r in rows)}
    if as_json:
        print(json.dumps(out))
    else:
        _table(out)
    return status


def _status(out):
    if out["ok"]:
        return cli.EXIT_OK
    if any(r["authenticated"] for r in out["servers"]):
        return cli.EXIT_TOO_FEW
    return cli.EXIT_NETWORK
