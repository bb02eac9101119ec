# `nts ke --server HOST[:PORT] --ca PEMFILE [--name SNI] [--aead 15,30] [--timeout S] [--json]`
# runs one NTS-KE session with mpnts's TLS 1.3 and prints what it established (never
# keys or cookies). ke_ms runs from TCP connect until End of Message is received.
import time

from nts import cli, ke
from nts.aead import DEFAULT_AEADS, KEY_LENGTHS
from nts.errors import ConfigError, NTSError
from nts.keclient import chain_verifier, key_exchange
from nts.tls import trust

_SPEC = {"--server": True, "--ca": True, "--name": True, "--aead": True, "--timeout": True,
         "--json": False}
_GROUP = "cli"


def _unix_now():
    from rtc.civil import board_epoch_offset
    return int(time.time()) + board_epoch_offset(time.gmtime)


def _aeads(text):
    try:
        ids = tuple(int(x) for x in text.split(","))
    except ValueError:
        ids = ()
    if not ids or any(a not in KEY_LENGTHS for a in ids):
        raise ConfigError("--aead", "expected a list of %s" % ",".join(
            str(a) for a in sorted(KEY_LENGTHS)))
    return ids


def main(argv):
    as_json = "--json" in argv
    try:
        opts = cli.parse_options(argv, _SPEC)
        if "--server" not in opts or "--ca" not in opts:
            raise ConfigError("--server/--ca", "both are required")
        host, port = cli.split_host_port(opts["--server"], ke.PORT)
        name = opts.get("--name", host)
        aeads = _aeads(opts["--aead"]) if "--aead" in opts else DEFAULT_AEADS
        try:
            timeout = float(opts.get("--timeout", "5"))
        except ValueError:
            raise ConfigError("--timeout", "not a number")
        store = trust.TrustStore()
        try:
            store.load(_GROUP, opts["--ca"])
        except OSError as e:
            raise ConfigError("--ca", "cannot read %s: %s" % (opts["--ca"], e))
        policy = trust.CertTimePolicy(_unix_now())
        verify = chain_verifier(name, store, _GROUP, policy)
        import asyncio
        result, stats = asyncio.run(key_exchange(host, verify, port, name, aeads, timeout))
    except (NTSError, MemoryError) as e:   # a board short of heap reports, not crashes
        return cli.report(False, {}, as_json, e)
    return cli.report(True, {
        "aead": result.aead,
        "cookies": len(result.cookies),
        "ntp_server": result.ntp_server or host,
        "ntp_port": result.ntp_port,
        "ke_ms": stats.ke_ms,
        "critical_us": stats.critical_us,
    }, as_json)
