# `nts station --csms ws://HOST:PORT/PATH --id STATION_ID [--ocpp 1.6|2.0.1] [--state DIR]
#              [--clock-offset SECONDS] [--ca CSMS_CA.pem] [--password SECRET] [--json]`
# An OCPP-J charge point (nts.ocpp.chargepoint) at ws://HOST:PORT/PATH/STATION_ID: the
# CSMS configures the NTS servers and installs the time root CAs, the station syncs and
# reports its security events. --state DIR keeps settings, certificates, sessions, the
# event queue and the logs (created if missing; default ./station-STATION_ID).
# --clock-offset starts the station's own software clock (rtc.unix.UnixClock: the host
# clock is NEVER set) that many seconds off the host clock and untrusted, as a board's
# RTC after a power loss. --password: HTTP Basic auth (OCPP security profile 1/2, user =
# the station id). --json: one JSON object per line per event. Runs until interrupted:
# exit status 130, after the state is persisted.
import json

from nts import cli
from nts.errors import ConfigError, NTSError

_SPEC = {"--csms": True, "--id": True, "--ocpp": True, "--state": True,
         "--clock-offset": True, "--ca": True, "--password": True, "--json": False}

USAGE = """usage: nts station --csms ws://HOST:PORT/PATH --id STATION_ID [--ocpp 1.6|2.0.1]
                   [--state DIR] [--clock-offset SECONDS] [--ca CSMS_CA.pem]
                   [--password SECRET] [--json]
An OCPP-J charge point at CSMS_URL/STATION_ID: the CSMS sets the NTS servers and installs
the time root CAs, the station syncs and reports its security events. Runs until
interrupted (exit status 130), then persists its state. Never sets the host clock.
  --csms URL            the CSMS's OCPP-J endpoint, ws:// or wss:// (then --ca)
  --id STATION_ID       the station's identity, appended to the URL: 1..48 of
                        a-z A-Z 0-9 * - _ = : + | @ . (OCPP identifierString)
  --ocpp VERSION        1.6 (default) or 2.0.1: the subprotocol offered
  --state DIR           settings, certificates, sessions, event queue, logs (created if
                        missing; default ./station-STATION_ID)
  --clock-offset S      start the station's own clock S seconds off the host's, untrusted
  --ca FILE             PEM root a wss:// CSMS's certificate must chain to
  --password SECRET     HTTP Basic auth as STATION_ID (OCPP security profile 1/2)
  --json                one JSON object per event"""


def _printer(as_json, clock):
    def emit(kind, fields):
        if as_json:
            obj = {"event": kind}
            obj.update(fields)
            print(json.dumps(obj))
        else:
            from nts.ocpp.rfc3339 import format_ns
            print("%s %s %s" % (format_ns(clock.now_ns()), kind,
                                " ".join("%s=%s" % (k, fields[k]) for k in sorted(fields))))
    return emit


def main(argv):
    as_json = "--json" in argv
    try:
        try:
            opts = cli.parse_options(argv, _SPEC)
        except cli.Help:
            return cli.usage(USAGE)
        for need in ("--csms", "--id"):
            if need not in opts:
                raise ConfigError(need, "required")
        ident = opts["--id"]     # checked by ChargePoint, which puts it in the URL
        try:
            offset = float(opts.get("--clock-offset", "0"))
        except ValueError:
            raise ConfigError("--clock-offset", "not a number")
        from nts.timescale import NS_PER_S
        from rtc.unix import UnixClock
        # An offset means "this RTC lost its time": untrusted until NTS says otherwise.
        clock = UnixClock(int(offset * NS_PER_S), trusted="--clock-offset" not in opts)
        emit = _printer(as_json, clock)
        auth = (ident, opts["--password"]) if "--password" in opts else None
        from nts.ocpp.chargepoint import ChargePoint
        cp = ChargePoint(opts["--csms"], ident, opts.get("--ocpp", "1.6"),
                         opts.get("--state", "station-" + ident), clock, opts.get("--ca"),
                         auth, emit)
    except (NTSError, OSError) as e:
        return cli.report(False, {}, as_json, e)
    import asyncio
    try:
        asyncio.run(cp.run())
    except KeyboardInterrupt:
        pass
    emit("stopped", {"persisted": cp.shutdown()})
    return 130
