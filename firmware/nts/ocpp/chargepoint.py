# An OCPP-J charge point that carries mpnts's handlers (issue 11): it connects to the
# CSMS (nts.ocpp.wslink), sends BootNotification and then Heartbeat at the CSMS's
# interval, answers the configuration and certificate CALLs with nts.ocpp.v16 / v201 /
# certificates, runs the sync engine from the configuration the CSMS set, and delivers
# the engine's security events from the offline queue, in order, as
# SecurityEventNotification. Everything runs on one asyncio loop: a key exchange (even
# one to a dead server) never holds up an answer to the CSMS.
#
#   cp = ChargePoint("ws://csms:9000/ocpp", "CP1", "1.6", "state", UnixClock())
#   await cp.run()               # until cancelled; then cp.shutdown()
#
# The state folder: config.json (nts.ocpp.station), certs/<group>/ (CA_DIR),
# nts_state.bin (sessions), events.q (queue), security.log, metrological.log.
# A fresh folder is an unconfigured station: no engine runs until the CSMS has set a
# valid configuration (servers in a group); it starts (and restarts after every change,
# once `settle_s` passed without another) without a reboot.
import asyncio
import os

from micropython import const

from nts.ocpp import wslink
from nts.ocpp.events import NOTIFIED
from nts.ocpp.rfc3339 import format_ns
from nts.ocpp.session import CallError, Refusal, Session
from nts.platform import ticks_diff, ticks_ms

SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
# The identity OCPP-J appends to the CSMS URL: an OCPP 2.0.1 identifierString (a-z A-Z
# 0-9 and these) of at most 48 characters, for 1.6 too. Anything else (a space, '/', '?',
# '#', '%') would break the HTTP request line or change the path the CSMS sees.
_IDENT_PUNCT = "*-_=:+|@."
_IDENT_MAX = const(48)


def _check_ident(ident):
    from nts.errors import ConfigError
    ok = 0 < len(ident) <= _IDENT_MAX
    for c in ident:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in _IDENT_PUNCT):
            ok = False
    if not ok:
        raise ConfigError("--id", "%r: 1..%d characters of a-z A-Z 0-9 %s (OCPP "
                          "identifierString)" % (ident, _IDENT_MAX, " ".join(_IDENT_PUNCT)))


def _mkdir(path):
    try:
        os.mkdir(path)
    except OSError:
        pass


class _Unconfigured:
    """The configuration of a fresh station: no servers, ClockCtrlr defaults."""
    servers = []

    def to_dict(self):
        from nts.config import CLOCK_FIELDS
        clock = {}
        for name, _, default, _, _ in CLOCK_FIELDS:
            clock[name] = list(default) if isinstance(default, list) else default
        return {"servers": [], "groups": {}, "clock": clock}


class ChargePoint:
    """Tunables are attributes (seconds): call_timeout, backoff_min / backoff_max
    (reconnect back-off, doubling), settle_s (quiet time after a configuration change
    before the engine's next round), heartbeat_default (until the CSMS names one)."""

    call_timeout = 30.0
    backoff_min = 0.5
    backoff_max = 30.0
    settle_s = 1.0
    heartbeat_default = 300
    vendor = "mpnts"
    model = "mpnts-station"

    def __init__(self, url, ident, version, state_dir, clock, ca=None, basic_auth=None,
                 emit=None):
        from nts.errors import ConfigError
        if version not in SUBPROTOCOLS:
            raise ConfigError("--ocpp", "1.6 or 2.0.1")
        _check_ident(ident)
        self.url = url.rstrip("/") + "/" + ident
        # Checked here, not at each reconnect: a URL or CA that cannot work is a usage
        # error, not a CSMS that is away.
        if wslink.parse_url(self.url)[0]:
            if ca is None:
                raise ConfigError("--ca", "wss:// needs the CSMS's CA certificate")
            try:
                os.stat(ca)
            except OSError:
                raise ConfigError("--ca", "cannot read %r" % ca)
        self.ident = ident
        self.version = version
        self.clock = clock
        self.ca = ca
        self.basic_auth = basic_auth
        self.emit = emit or (lambda kind, fields: None)
        _mkdir(state_dir)
        self.dir = state_dir
        self.ca_dir = state_dir + "/certs"
        from nts.ocpp import station as stmod
        from nts.ocpp.chainlog import ChainLog
        from nts.ocpp.eventqueue import EventQueue
        from nts.ocpp.events import EventSink
        self.queue = EventQueue(state_dir + "/events.q")
        self.sink = EventSink(ChainLog(state_dir + "/security.log"),
                              ChainLog(state_dir + "/metrological.log"), self.queue)
        from nts.config import Config
        path = state_dir + "/config.json"
        d = stmod.load(path)
        self.station = stmod.Station(Config.from_dict(d) if d else _Unconfigured(), path,
                                     None, self._hook, clock.now_ns)
        from nts.buildtime import BUILD_TIME
        from nts.ocpp.certstore import CertStore
        self.certs = CertStore(self.ca_dir, clock, BUILD_TIME, self._hook, self._trust_changed)
        self.engine = None
        self.session = None
        self.booted = False
        self.heartbeat_s = self.heartbeat_default
        self.rounds = 0
        self._kick = asyncio.Event()
        self._wake = asyncio.Event()
        if d:
            self._start_engine()

    # --- the engine ----------------------------------------------------------------------

    def _start_engine(self):
        from nts.engine import Engine, Transport
        from nts.ocpp.certificates import trust_store
        from nts.state import Store
        self.engine = Engine(self.station.config, self.clock,
                             Transport(trust_store(self.ca_dir)),
                             Store(self.dir + "/nts_state.bin"), self._hook)
        self.station.engine = self.engine
        n = self.engine.load_state()
        self.emit("engine_started", {"servers": len(self.station.config.servers),
                                     "resumed_sessions": n})

    def _trust_changed(self):
        if self.engine is not None:
            from nts.ocpp.certificates import trust_store
            self.engine.transport.store = trust_store(self.ca_dir)
        self._kick.set()

    def _hook(self, e):
        """Every event of the engine, the configuration and the certificate store."""
        self.sink(e)
        kind = e["event"]
        if kind == "NTPConfigurationChanged":
            if self.engine is None:
                self._start_engine()
            self.emit("config_changed", {"change": e.get("change", "")})
            self._kick.set()
        elif kind == "TimeRootCAChanged":
            self.emit("certificate_%s" % e["action"], {"group": e["group"],
                                                       "subject": e["subject"]})
        elif kind == "ClockAdjusted" and e["kind"] == "step":
            self.emit("clock_step", {"from": format_ns(e["old_ns"]), "to": format_ns(e["new_ns"]),
                                     "offset_s": e["offset"]})
        if kind in NOTIFIED:
            self.emit("security_event", {"type": kind})
            self._wake.set()

    async def _wait(self, event, timeout):
        """Until `event` is set or `timeout` s passed (the event stays as it is)."""
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    async def _engine_loop(self):
        while True:
            if self.engine is None:
                await self._kick.wait()
            else:
                await self._round()
                await self._wait(self._kick, self.engine.next_interval())
            # A CSMS sends its changes one CALL at a time: start once they stopped coming.
            while self._kick.is_set():
                self._kick.clear()
                await asyncio.sleep(self.settle_s)

    async def _round(self):
        eng = self.engine
        try:
            sel = await eng.sync_once()
        except Exception as e:      # as Engine.run: the clock keeper outlives a bad round
            self.emit("sync", {"ok": False, "offset_s": None,
                               "reason": "%s: %s" % (type(e).__name__, e)})
            return
        self.rounds += 1
        group = eng.config.groups[eng.clock_group]
        ok = bool(sel is not None and sel.ok and len(sel.truechimers) >= group.MinServers)
        verdicts = {}
        for name in group.Clients:
            if sel is not None and name in sel.truechimers:
                verdicts[name] = "truechimer"
            elif sel is not None and name in sel.rejected:
                verdicts[name] = sel.rejected[name]
        out = {"ok": ok, "offset_s": sel.offset if sel is not None and sel.ok else None,
               "truechimers": list(sel.truechimers) if sel is not None else [],
               "servers": verdicts, "reason": "" if ok else (sel.reason if sel is not None else "")}
        import gc
        if hasattr(gc, "mem_alloc"):    # MicroPython: the running station's heap (code + data
            gc.collect()                # on the unix port, data only when frozen)
            out["heap_used"] = gc.mem_alloc()
            out["heap_free"] = gc.mem_free()
        self.emit("sync", out)

    # --- OCPP -----------------------------------------------------------------------------

    def _on_call(self, action, req):
        if self.version == "1.6":
            from nts.ocpp import v16
            if action == "GetConfiguration":
                return v16.get_configuration(self.station, req), None
            if action == "ChangeConfiguration":
                return v16.change_configuration(self.station, req), None
            if action in ("TriggerMessage", "ExtendedTriggerMessage"):
                return self._trigger(req["requestedMessage"])
        else:
            from nts.ocpp import v201
            if action == "GetVariables":
                return v201.get_variables(self.station, req), None
            if action == "SetVariables":
                return v201.set_variables(self.station, req), None
            if action == "GetBaseReport":
                conf = v201.get_base_report(self.station, req)
                follow = None
                if conf["status"] == "Accepted":
                    follow = self._notify_report(req["requestId"], req["reportBase"])
                return conf, follow
            if action == "TriggerMessage":
                return self._trigger(req["requestedMessage"])
        if action in ("InstallCertificate", "GetInstalledCertificateIds", "DeleteCertificate"):
            return self._certificate(action, req), None
        raise Refusal("NotImplemented", "%s is not implemented by this station" % action)

    def _certificate(self, action, req):
        from nts.ocpp import certificates as c
        if action == "InstallCertificate":
            return c.install_certificate(self.certs, req, self.version) or {"status": "Rejected"}
        if action == "GetInstalledCertificateIds":
            return c.get_installed_certificate_ids(self.certs, req, self.version) or \
                {"status": "NotFound"}
        return c.delete_certificate(self.certs, req, self.version)

    def _trigger(self, what):
        if what == "Heartbeat":
            return {"status": "Accepted"}, self._guarded(self._heartbeat)
        if what == "BootNotification":
            return {"status": "Accepted"}, self._guarded(self._boot_once, "Triggered")
        return {"status": "NotImplemented"}, None

    async def _guarded(self, fn, *args):
        try:
            await fn(*args)
        except (OSError, CallError, asyncio.TimeoutError):
            pass    # the connection went: the main loop reconnects

    async def _notify_report(self, request_id, base):
        from nts.ocpp import v201
        now = format_ns(self.clock.now_ns())
        for page in v201.report(self.station, request_id, base, now):
            await self._call("NotifyReport", page)

    async def _call(self, action, payload):
        s = self.session
        if s is None or s.closed:
            raise OSError("not connected")
        return await s.call(action, payload, self.call_timeout)

    def _time_from_csms(self, conf, sent_ns):
        got = self.clock.now_ns()
        t = conf.get("currentTime")
        if t and self.engine is not None:
            from nts.ocpp import csmstime
            csmstime.apply(self.engine, t, sent_ns, got)

    async def _boot_once(self, reason="PowerUp"):
        if self.version == "1.6":
            req = {"chargePointVendor": self.vendor, "chargePointModel": self.model,
                   "firmwareVersion": "mpnts"}
        else:
            req = {"chargingStation": {"model": self.model, "vendorName": self.vendor,
                                       "firmwareVersion": "mpnts"}, "reason": reason}
        sent = self.clock.now_ns()
        conf = await self._call("BootNotification", req)
        interval = conf.get("interval") or 0
        if conf.get("status") == "Accepted":
            self.booted = True
            if interval > 0:
                self.heartbeat_s = interval
            self._time_from_csms(conf, sent)
        self.emit("boot", {"status": conf.get("status"), "interval": interval})
        return conf.get("status"), interval

    async def _boot(self):
        while not self.booted:
            status, interval = await self._boot_once()
            if not self.booted:
                await asyncio.sleep(interval if interval > 0 else 10)

    async def _heartbeat(self):
        sent = self.clock.now_ns()
        conf = await self._call("Heartbeat", {})
        self._time_from_csms(conf, sent)
        self._last_heartbeat = ticks_ms()

    async def _deliver_events(self):
        while True:
            head = self.queue.peek()
            if head is None:
                return
            seq, payload = head
            await self._call("SecurityEventNotification", payload)
            self.queue.delivered(seq)
            self.emit("event_delivered", {"seq": seq, "type": payload["type"]})

    async def _online(self, session):
        await self._boot()
        self._last_heartbeat = ticks_ms()
        while not session.closed:
            self._wake.clear()
            await self._deliver_events()
            left = self.heartbeat_s - ticks_diff(ticks_ms(), self._last_heartbeat) / 1000
            if left <= 0:
                await self._heartbeat()
                continue
            await self._wait(self._wake, left)

    async def _connection_loop(self):
        from nts.peer import uniform    # os.urandom-based, as the engine's
        delay = self.backoff_min
        while True:
            try:
                link = await wslink.connect(self.url, SUBPROTOCOLS[self.version], self.ca,
                                            self.basic_auth)
            except Exception as e:      # refused, unreachable, handshake failed: back off
                self.emit("connect_failed", {"error": "%s: %s" % (type(e).__name__, e),
                                             "retry_s": delay})
                await asyncio.sleep(delay * uniform(0.5, 1.0))
                delay = min(delay * 2, self.backoff_max)
                continue
            delay = self.backoff_min
            session = Session(link, self.version, self._on_call)
            session.on_close = self._wake.set
            self.session = session
            self.emit("connected", {"url": self.url, "ocpp": self.version})
            reader = asyncio.create_task(session.serve())
            reason = "closed by the CSMS"
            try:
                await self._online(session)
            except (OSError, CallError, asyncio.TimeoutError) as e:
                reason = "%s: %s" % (type(e).__name__, e)
            self.session = None
            await link.close(timeout=1.0)
            try:
                await asyncio.wait_for(reader, 1.0)
            except Exception:
                pass
            self.emit("disconnected", {"reason": reason, "code": link.close_code})
            await asyncio.sleep(self.backoff_min)

    async def run(self):
        """Connect (and reconnect) and sync until cancelled."""
        await asyncio.gather(self._engine_loop(), self._connection_loop())

    def shutdown(self):
        """Persist what is in RAM (the engine's cookies; the rest is on flash already);
        False when that failed."""
        return self.engine is None or self.engine.shutdown()
