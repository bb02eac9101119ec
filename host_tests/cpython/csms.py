# A test CSMS built with the `ocpp` package (the Python OCPP library operators and test
# suites use) on `websockets`, on 127.0.0.1, running its asyncio loop in a thread so
# that synchronous tests (and tools/demo.py) can drive it:
#
#   csms = CSMS("1.6").start()
#   csms.wait_connected("CP1")
#   csms.call("CP1", "ChangeConfiguration", {"key": "ntp.legal.servers", "value": "..."})
#   csms.wait_for("CP1", "SecurityEventNotification", lambda p: p["type"] == ...)
#   csms.stop()
#
# Every message both ways goes through the library's own schema validation (its
# ChargePoint validates the station's CALLs and our answers; call() validates our CALL
# and the station's answer the same way), except the white paper's vendor-extended
# certificate messages, which the official schemas reject: those are validated against
# the documented extended schemas (host_tests/cpython/schemas, `ext=`).
import asyncio
import datetime
import json
import threading
import time
import uuid

from ocpp.messages import Call, MessageType, validate_payload
from ocpp.routing import on

from host_tests.reference.daemon import free_port

SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}


def now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CallFailed(Exception):
    """The station answered with a CALLERROR."""

    def __init__(self, code, description):
        super().__init__("%s: %s" % (code, description))
        self.code = code


def _charge_point_class(version, csms):
    if version == "1.6":
        from ocpp.v16 import ChargePoint as Base
        from ocpp.v16 import call_result as result
    else:
        from ocpp.v201 import ChargePoint as Base
        from ocpp.v201 import call_result as result

    class Station(Base):
        """The CSMS's side of one station's connection."""

        async def route_message(self, raw_msg):
            msg = csms._record(self.id, "in", raw_msg)
            if msg[0] == 2:         # the library checks no formats: RFC 3339 here too
                csms._formats(msg[2], msg[3], request=True)
            await super().route_message(raw_msg)

        async def _send(self, message):
            csms._record(self.id, "out", message)
            await super()._send(message)

        @on("BootNotification")
        def on_boot(self, **kw):
            return result.BootNotification(current_time=now_text(), interval=csms.heartbeat,
                                           status="Accepted")

        @on("Heartbeat")
        def on_heartbeat(self, **kw):
            return result.Heartbeat(current_time=now_text())

        @on("SecurityEventNotification")
        def on_security_event(self, **kw):
            return result.SecurityEventNotification()

        if version == "2.0.1":
            @on("NotifyReport")
            def on_notify_report(self, **kw):
                return result.NotifyReport()

        async def raw_call(self, action, payload, ext=None, timeout=30):
            """CALL `action` with a camelCase payload; the CALLRESULT payload (dict).
            ext: (request schema, response schema or None) of host_tests/cpython/schemas
            to validate with instead of the official ones."""
            from host_tests.cpython import ocpp_schemas
            msg = Call(unique_id=str(uuid.uuid4()), action=action, payload=payload)
            if ext:
                ocpp_schemas.check("ext", ext[0], payload)
            else:
                await validate_payload(msg, self._ocpp_version)
            async with self._call_lock:
                await self._send(msg.to_json())
                response = await self._get_specific_response(msg.unique_id, timeout)
            if response.message_type_id == MessageType.CallError:
                raise CallFailed(response.error_code, response.error_description)
            response.action = action
            if ext and ext[1]:
                ocpp_schemas.check("ext", ext[1], response.payload)
            else:
                await validate_payload(response, self._ocpp_version)
                csms._formats(action, response.payload, request=False)
            return response.payload

    return Station


class CSMS:
    """heartbeat: the interval BootNotification answers with (s)."""

    def __init__(self, version="1.6", path="/ocpp", heartbeat=300, port=None, tls=None,
                 password=None, host="127.0.0.1"):
        """tls: (certificate chain PEM, key PEM) to serve wss://; password: require HTTP
        Basic auth with user = the station id and this password (else 401)."""
        self.version = version
        self.path = path
        self.heartbeat = heartbeat
        self.port = port or free_port()
        self.tls = tls
        self.password = password
        self.url = "%s://%s:%d%s" % ("wss" if tls else "ws", host, self.port, path)
        self.refused = 0            # upgrade requests refused for their credentials
        self.schema_errors = []     # (action, errors, payload) of the format checks
        self.stations = {}          # id -> the connected Station object
        self.log = []               # (time, id, "in"/"out", parsed frame), every frame
        self.connections = 0
        self._cls = _charge_point_class(version, self)
        self._cond = threading.Condition()
        self._loop = None
        self._server = None
        self._thread = None

    # --- server thread -------------------------------------------------------------------

    def _record(self, ident, direction, raw):
        msg = json.loads(raw)
        with self._cond:
            self.log.append((time.monotonic(), ident, direction, msg))
            self._cond.notify_all()
        return msg

    def _formats(self, action, payload, request):
        """The official schema with the RFC 3339 date-time check (ocpp_schemas)."""
        from host_tests.cpython import ocpp_schemas
        if self.version == "1.6":
            name = action if request else action + "Response"
        else:
            name = action + ("Request" if request else "Response")
        try:
            errs = ocpp_schemas.errors(self.version, name, payload)
        except OSError:
            return
        if errs:
            self.schema_errors.append((action, errs, payload))

    async def _handler(self, ws):
        path = ws.request.path
        ident = path.rstrip("/").split("/")[-1]
        if not path.startswith(self.path + "/") or ws.subprotocol != SUBPROTOCOL[self.version]:
            await ws.close(1002, "wrong path or subprotocol")
            return
        st = self._cls(ident, ws)
        with self._cond:
            self.stations[ident] = st
            self.connections += 1
            self._cond.notify_all()
        try:
            await st.start()
        except Exception:
            pass
        finally:
            with self._cond:
                if self.stations.get(ident) is st:
                    del self.stations[ident]
                self._cond.notify_all()

    def _check_auth(self, connection, request):
        if self.password is None:
            return None
        import base64
        import http
        ident = request.path.rstrip("/").split("/")[-1]
        want = "Basic " + base64.b64encode(("%s:%s" % (ident, self.password)).encode()).decode()
        if request.headers.get("Authorization") != want:
            with self._cond:
                self.refused += 1
                self._cond.notify_all()
            return connection.respond(http.HTTPStatus.UNAUTHORIZED, "wrong credentials\n")
        return None

    async def _serve(self, ready):
        from websockets.asyncio.server import serve
        ctx = None
        if self.tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
        self._server = await serve(self._handler, "127.0.0.1", self.port, ssl=ctx,
                                   process_request=self._check_auth,
                                   subprotocols=[SUBPROTOCOL[self.version]])
        ready.set()
        await self._server.wait_closed()

    def start(self):
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._serve(ready))
            finally:
                self._loop.close()
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("CSMS did not start")
        return self

    def stop(self):
        """Close every connection and stop listening (the station sees the CSMS go)."""
        if self._loop is None:
            return
        async def down():
            self._server.close()
            await self._server.wait_closed()
        asyncio.run_coroutine_threadsafe(down(), self._loop).result(10)
        self._thread.join(10)
        self._loop = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- test side ------------------------------------------------------------------------

    def call(self, ident, action, payload, ext=None, timeout=30):
        st = self.stations[ident]
        fut = asyncio.run_coroutine_threadsafe(st.raw_call(action, payload, ext, timeout),
                                               self._loop)
        return fut.result(timeout + 5)

    def timed_call(self, ident, action, payload, ext=None, timeout=30):
        """(seconds the round trip took, payload)."""
        t0 = time.monotonic()
        out = self.call(ident, action, payload, ext, timeout)
        return time.monotonic() - t0, out

    def wait_connected(self, ident, timeout=60, count=1):
        """Wait until `ident` is connected (for the count-th connection overall)."""
        end = time.monotonic() + timeout
        with self._cond:
            while ident not in self.stations or self.connections < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("station %s did not connect" % ident)
                self._cond.wait(left)

    def wait_refused(self, count=1, timeout=30):
        end = time.monotonic() + timeout
        with self._cond:
            while self.refused < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no refused upgrade")
                self._cond.wait(left)

    def received(self, ident, action, locked=False):
        """Payloads of the station's CALLs `action`, in order."""
        def scan():
            return [f[3] for _, i, d, f in self.log
                    if i == ident and d == "in" and f[0] == 2 and f[2] == action]
        if locked:
            return scan()
        with self._cond:
            return scan()

    def wait_for(self, ident, action, pred=None, timeout=60, count=1):
        """The first `count` payloads of `action` satisfying pred (a list), waiting."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [p for p in self.received(ident, action, locked=True)
                       if pred is None or pred(p)]
                if len(got) >= count:
                    return got
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no %s from %s (have %d of %d)" % (
                        action, ident, len(got), count))
                self._cond.wait(left)
