# `nts sync --server HOST[:PORT] [--server ...] --ca PEMFILE [--name SNI] [--min-servers N]
#           [--state FILE] [--timeout S] [--signed] [--json]`
# One engine round (nts.engine): NTS-KE with every server (PORT is the NTS-KE port,
# default 4460), one authenticated query each in parallel, selection, a table. It NEVER
# sets the host clock: the clock is rtc.unix.UnixClock, which only keeps a software
# offset. --state FILE persists the sessions so the next run needs no key exchange.
# --signed asks every server for signed responses (nts.signed); each server's row then
# says "signature": "verified" | "unsigned" | "invalid: <reason>" (None: no reply).
# Exit status 0 when at least --min-servers (default 1) agreeing sources were found.
import json

from nts import cli, ke
from nts.config import Config
from nts.engine import DEFAULT_CA_GROUP, Engine, Transport
from nts.errors import ConfigError, NTSError
from nts.platform import ticks_diff, ticks_ms
from nts.tls import trust

_SPEC = {"--ca": True, "--name": True, "--min-servers": True, "--state": True,
         "--timeout": True, "--json": False, "--signed": False}


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
    texts, rest = _split_servers(argv)
    opts = cli.parse_options(rest, _SPEC)
    if "--ca" not in opts:
        raise ConfigError("--ca", "required")
    addrs = [cli.split_host_port(t, ke.PORT) for t in texts]
    servers = []
    for i, (host, port) in enumerate(addrs):
        servers.append({"Instance": "s%d" % (i + 1), "ServerURL": host,
                        "NTSKEServerPort": port, "Preflight": 0,
                        "AEADAlgorithm": ["AES-SIV-CMAC-256", "AES-128-GCM-SIV"],
                        "SignedResponses": "--signed" in opts})
    config = Config.from_dict({"servers": servers, "groups": {
        "legal": {"MinServers": _number(opts, "--min-servers", "1", int)}}})
    store = trust.TrustStore()
    try:
        store.load(DEFAULT_CA_GROUP, opts["--ca"])
    except OSError as e:
        raise ConfigError("--ca", "cannot read %s: %s" % (opts["--ca"], e))
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
            "error": None if good else (p.last_error or p.state),
            "verdict": _verdict(p.name, sel)})
        if p.cfg.SignedResponses:
            rows[-1]["signature"] = getattr(p, "signature", None) if good else None
    return rows


def _table(out):
    print("%-24s %-5s %12s %10s %3s %5s %7s  %s" % (
        "server", "auth", "offset(ms)", "delay(ms)", "st", "aead", "cookies", "verdict"))
    for r in out["servers"]:
        print("%-24s %-5s %12s %10s %3s %5s %7d  %s" % (
            "%s:%d" % (r["host"], r["port"]), "yes" if r["authenticated"] else "no",
            "-" if r["offset_s"] is None else "%+.3f" % (r["offset_s"] * 1000),
            "-" if r["delay_s"] is None else "%.3f" % (r["delay_s"] * 1000),
            "-" if r["stratum"] is None else r["stratum"],
            "-" if r["aead"] is None else r["aead"], r["cookies"],
            (r["verdict"] or r["error"] or "") + (
                "  signature %s" % r["signature"] if r.get("signature") else "")))
    if out["ok"]:
        print("selected offset %+.3f ms from %s (min %d)" % (
            out["offset_s"] * 1000, ", ".join(out["truechimers"]), out["min_servers"]))
    else:
        print("NO TIME: %s (min %d)" % (out["reason"], out["min_servers"]))


def main(argv):
    as_json = "--json" in argv
    try:
        config, addrs, opts, store = _setup(argv)
        timeout = _number(opts, "--timeout", "5", float)
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
    names = dict((p.name, "%s:%d" % a) for p, a in zip(engine.peers, addrs))
    out = {"ok": bool(sel.ok), "offset_s": sel.offset if sel.ok else None,
           "min_servers": config.groups["legal"].MinServers,
           "truechimers": [names[n] for n in sel.truechimers],
           "reason": sel.reason, "sync_ms": sync_ms, "servers": rows}
    if engine.store_error and state is not None and "no state file" not in engine.store_error:
        out["state_error"] = engine.store_error
    if as_json:
        print(json.dumps(out))
    else:
        _table(out)
    return 0 if sel.ok else 1
