# `nts ke --server HOST[:PORT] --ca PEMFILE [--name SNI] [--aead 15,30] [--timeout S] [--json]`
# runs one NTS-KE session with mpnts's TLS 1.3 and prints what it established (never
# keys or cookies) and the server's certificate (subject, issuer, expiry). ke_ms runs
# from TCP connect until End of Message is received. Exit statuses: nts.cli.
import asyncio
import os
import time

from nts import cli, ke
from nts.aead import DEFAULT_AEADS, KEY_LENGTHS
from nts.errors import ConfigError, NTSError

_SPEC = {"--server": True, "--ca": True, "--name": True, "--aead": True, "--timeout": True,
         "--json": False}
_GROUP = "cli"

USAGE = """usage: nts ke --server HOST[:PORT] --ca ROOT.pem [--name SNI] [--aead 15,30]
              [--timeout S] [--json]
One NTS-KE session (RFC 8915) with the server; prints the AEAD, cookies and NTP address
it established and the certificate it presented, never keys or cookies.
  --server HOST[:PORT]  the NTS-KE server (port 4460 by default; IPv6 as [ADDR]:PORT)
  --ca FILE             PEM or DER root certificate(s) the chain must end at
  --name SNI            the name the certificate must carry (default: HOST)
  --aead LIST           AEAD ids in preference order (15 AES-SIV-CMAC-256, 30 AES-128-GCM-SIV)
  --timeout S           seconds for the whole session (default 5, at most 600)
  --json                one JSON object; errors as {"type", "message"}"""


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
        try:
            opts = cli.parse_options(argv, _SPEC)
        except cli.Help:
            return cli.usage(USAGE)
        if "--server" not in opts or "--ca" not in opts:
            raise ConfigError("--server/--ca", "both are required")
        host, port = cli.split_host_port(opts["--server"], ke.PORT)
        name = opts.get("--name", host)
        aeads = _aeads(opts["--aead"]) if "--aead" in opts else DEFAULT_AEADS
        timeout = cli.timeout(opts)
        # The TLS and certificate code only once the command line is sound: --help and
        # usage errors work in a heap too small for a key exchange.
        try:
            os.stat(opts["--ca"])
            from nts.tls import trust
            store = trust.TrustStore()
            n = store.load(_GROUP, opts["--ca"])
        except (OSError, NTSError) as e:
            raise ConfigError("--ca", "cannot read %s: %s" % (opts["--ca"], e))
        if not n:
            raise ConfigError("--ca", "no certificate in %s" % opts["--ca"])
        from nts.keclient import chain_verifier, key_exchange
        policy = trust.CertTimePolicy(_unix_now())
        policy.names = True
        verify = chain_verifier(name, store, _GROUP, policy)
        result, stats = asyncio.run(key_exchange(host, verify, port, name, aeads, timeout))
    except (NTSError, MemoryError, OSError) as e:   # a board short of heap reports, not crashes
        return cli.report(False, {}, as_json, e)
    except asyncio.TimeoutError as e:
        return cli.report(False, {}, as_json, e)
    except KeyboardInterrupt:
        return cli.interrupted(as_json)
    from rtc.civil import iso_utc
    ntp_server = result.ntp_server or host
    return cli.report(True, {
        "aead": result.aead,
        "cookies": len(result.cookies),
        "ntp_server": ntp_server,
        "ntp_port": result.ntp_port,
        "ntp": cli.host_port(ntp_server, result.ntp_port),
        "ke_ms": stats.ke_ms,
        "critical_us": stats.critical_us,
        "subject": policy.subject,
        "issuer": policy.issuer,
        "expires": iso_utc(policy.expires),
    }, as_json)
