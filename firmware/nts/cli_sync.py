# `nts sync --server HOST[:PORT] [--server ...] --ca PEMFILE [--name SNI] [--min-servers N]
#           [--state FILE] [--timeout S] [--signed] [--json]
#           [--smgw HOST[:PORT] --client-cert CERT.pem --client-key KEY.pem]`
# One engine round (nts.engine): NTS-KE with every server (PORT is the NTS-KE port,
# default 4460), one authenticated query each in parallel, selection, a table. It NEVER
# sets the host clock: the clock is rtc.unix.UnixClock, which only keeps a software
# offset. --state FILE persists the sessions so the next run needs no key exchange.
# --signed asks every server for signed responses (nts.signed); each server's row then
# says "signature": "verified" | "unsigned" | "invalid: <reason>" (None: no reply).
# --smgw adds one NTPv4TLS source (nts.smgw: NTPv4 inside TLS, PORT default 443), its
# chain checked against --ca (EKU timeStamping); with it, --server is optional.
# Exit statuses (nts.cli): 0 at least --min-servers (default 1) agreeing sources, 1 fewer,
# 2 usage, 3 no server answered an authenticated query (network / key exchange), 130 Ctrl-C:
# the sockets are closed, the state saved, and with --json still one JSON object, with
# "interrupted": true. The rows come from the engine's public status model (snapshot).
import asyncio
import json

from nts import cli, ke
from nts.config import Config
from nts.engine import DEFAULT_CA_GROUP, Engine, Transport
from nts.errors import ConfigError, NTSError
from nts.platform import ticks_diff, ticks_ms
from nts.timescale import NS_PER_S
from nts.tls import trust

_SPEC = {"--ca": True, "--name": True, "--min-servers": True, "--state": True,
         "--timeout": True, "--json": False, "--signed": False, "--smgw": True,
         "--client-cert": True, "--client-key": True}
SMGW_PORT = 443

USAGE = """usage: nts sync --server HOST[:PORT] [--server ...] --ca ROOT.pem [--name SNI]
                [--min-servers N] [--state FILE] [--timeout S] [--signed] [--json]
                [--smgw HOST[:PORT] --client-cert CERT.pem --client-key KEY.pem]
Key exchange and one NTS-protected query per server in parallel, then selection: prints
each server's offset, delay and verdict and the agreed offset. Never sets the host clock.
  --server HOST[:PORT]  an NTS-KE server (port 4460 by default; IPv6 as [ADDR]:PORT); repeat
  --ca FILE             PEM or DER root certificate(s) every chain must end at
  --name SNI            the name the certificates must carry (default: each HOST)
  --min-servers N       agreeing servers needed (default 1)
  --state FILE          keep sessions here (created 0600) so the next run needs no key exchange
  --timeout S           seconds per key exchange (default 5, at most 600)
  --signed              ask every server for signed responses; each row says "signature"
  --json                one JSON object; errors as {"type", "message"}
  --smgw HOST[:PORT]    a Smart Meter Gateway (NTPv4 inside TLS, port 443 by default):
                        its certificate must end at --ca and carry EKU timeStamping
  --client-cert FILE    the station's certificate for the gateway (PEM), with
  --client-key FILE     its private key (PEM)"""

# Peer states (nts.peer) -> the error type a script sees.
_STATE_TYPES = {"no-reply": "Timeout", "nak": "NTSNak", "rate": "KissOfDeath",
                "denied": "KissOfDeath", "unreachable": "NetError", "held": "KissOfDeath",
                "cert-rejected": "CertError", "unsynchronized": "Unsynchronized"}


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
    if not servers and "--smgw" not in rest:
        raise ConfigError("--server", "at least one is required (or --smgw)")
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
                        "AEADAlgorithm": ["AES-SIV-CMAC-256", "AES-128-GCM-SIV"],
                        "SignedResponses": "--signed" in opts})
    if "--smgw" in opts:
        host, port = cli.split_host_port(opts["--smgw"], SMGW_PORT)
        addrs.append((host, port))
        servers.append({"Instance": "smgw", "ServerURL": host, "ServerPort": port,
                        "Mode": "NTPv4TLS", "ClientCertificate":
                        "station" if "--client-cert" in opts else ""})
        if ("--client-cert" in opts) != ("--client-key" in opts):
            raise ConfigError("--client-key", "--client-cert and --client-key go together")
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


def _rows(snap, addrs, signed):
    # From the engine's public status model (Engine.snapshot), in --server order.
    group = snap["groups"]["legal"]
    rows = []
    for s, (host, port) in zip(snap["servers"], addrs):
        name = s["name"]
        good = s["state"] == "ok"
        rows.append({
            "host": host, "port": port, "mode": s["mode"], "authenticated": good,
            "offset_s": s["offset"] if good else None,
            "delay_s": s["delay"] if good else None,
            "max_error_s": s["max_error"] if good else None,
            "stratum": s["stratum"] if good else None,
            "aead": s["aead"], "cookies": s["cookies"], "key_exchanges": s["ke_count"],
            "ntp": _ntp(s),
            "error": None if good else _error(s),
            "verdict": "truechimer" if name in group["truechimers"]
            else group["rejected"].get(name, "")})
        if signed and s["mode"] == "NTSv4":
            rows[-1]["signature"] = s.get("signature") if good else None
    return rows


def _ntp(s):
    # The NTP address the queries went to: resolved when known, else as negotiated.
    a = s["ntp"]
    return cli.host_port(*a) if a else None


def _error(s):
    # {"type", "message"} from a server's last error ("key exchange: CertError: ...").
    text = s["last_error"] or s["state"]
    if text.startswith("key exchange: ") and ": " in text[14:]:
        kind, _, msg = text[14:].partition(": ")
        if kind.isalpha():
            return {"type": kind, "message": "key exchange: " + cli.terms(msg)}
    return {"type": _STATE_TYPES.get(s["state"], "Error"), "message": cli.terms(text)}


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
            (r["verdict"] or ("%s: %s" % (err["type"], err["message"]) if err else "")) + (
                "  signature %s" % r["signature"] if r.get("signature") else "")))
    if out["ok"]:
        print("selected offset %+.3f ms from %s (min %d)" % (
            out["offset_s"] * 1000, ", ".join(out["truechimers"]), out["min_servers"]))
    else:
        print("NO TIME: %s (min %d)" % (out["error"]["message"], out["min_servers"]))
    if "state_error" in out:
        print("state file: %s" % out["state_error"])


async def _round(engine, box):
    box.append(asyncio.current_task())
    return await engine.sync_once()


def _reap(box):
    # MicroPython's asyncio.run lets Ctrl-C out without cancelling the round (CPython
    # cancels it first): cancel it now so its sockets close in its finally blocks.
    task = box[0] if box else None
    if task is None or task.done():
        return

    async def cancel():
        task.cancel()
        try:
            await task
        except BaseException:   # CancelledError, or whatever the round ended with
            pass
    try:
        asyncio.run(cancel())
    except Exception:
        pass


def main(argv):
    as_json = "--json" in argv
    interrupted = False
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
        transport = Transport(store, opts.get("--name"), timeout)
        if "--client-cert" in opts:
            from nts.smgw import Identity
            transport.identities = {"station": Identity(opts["--client-cert"],
                                                        opts["--client-key"])}
        engine = Engine(config, UnixClock(trusted=True), transport, state)
        engine.query_timeout = min(timeout, 2.0)
        engine.load_state()
        t0 = ticks_ms()
        box = []
        try:
            sel = asyncio.run(_round(engine, box))
        except KeyboardInterrupt:
            # Ctrl-C: close what is open, keep the state, still report (exit 130).
            interrupted = True
            sel = None
            _reap(box)
        sync_ms = ticks_diff(ticks_ms(), t0)
        engine.shutdown()
        snap = engine.snapshot()
    except NTSError as e:
        return cli.report(False, {}, as_json, e)
    names = dict((s["name"], cli.host_port(*a)) for s, a in zip(snap["servers"], addrs))
    ok = bool(sel is not None and sel.ok)
    rows = _rows(snap, addrs, "--signed" in opts)
    out = {"ok": ok, "offset_s": sel.offset if ok else None,
           "min_servers": config.groups["legal"].MinServers,
           "truechimers": [names[n] for n in sel.truechimers] if sel is not None else [],
           "reason": "interrupted" if interrupted else sel.reason, "sync_ms": sync_ms,
           "servers": rows}
    # UTC as the synced (software-offset) clock says, and when it last synced: what the
    # white paper asks an SMGW source to expose, shown for every source alike.
    from rtc.civil import iso_utc
    out["utc"] = iso_utc(snap["time_ns"] // NS_PER_S)
    last = snap["groups"]["legal"]["last_sync_ns"]
    out["last_sync"] = iso_utc(last // NS_PER_S) if last else None
    err = snap["store_error"]
    if err and state is not None and "no state file" not in err:
        out["state_error"] = err
    if config.warnings:     # e.g. the same server given twice: it counts once
        out["warnings"] = config.warnings
    if interrupted:
        out["interrupted"] = True
        status = cli.EXIT_INTERRUPTED
        out["error"] = {"type": "Interrupted", "message": "interrupted"}
    else:
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
