"""CPython NTS reference server for tests: NTS-KE over TLS 1.3 (pyOpenSSL) and NTS-protected
NTP over UDP, on 127.0.0.1 only, with fault injection (see faults.py).

    with ReferenceServer(cert_chain_pem, key_pem) as srv:
        srv.ke_port, srv.ntp_port          # ephemeral ports (bound to port 0)
        srv.set_faults(lie=3600)           # for every request from now on
        srv.next_ke(gcm_siv="chrony43")    # for the next NTS-KE connection only
        srv.next_ntp(bad_tag=True)         # for the next NTP request only
        srv.events                         # what it saw, for assertions
        srv.signer.point, srv.signer.key_id  # signed responses (signing.py)

It runs in daemon threads, stops itself after `lifetime` seconds, and never touches the
host clock (a lying clock is an offset added to its own timestamps). TLS goes through
memory BIOs so a test can stall the handshake after the ServerHello.
"""
import collections
import os
import socket
import struct
import threading
import time

from OpenSSL import SSL

from host_tests.reference import codec as c
from host_tests.reference import faults as fl
from host_tests.reference import signing

HOST = "127.0.0.1"
ALPN = b"ntske/1"
KE_TIMEOUT = 10.0
UNKNOWN_RECORD = 0x4321
_CHUNK = 16384


class ReferenceServer:
    def __init__(self, cert_chain, key, ke_port=0, ntp_port=0, aeads=(c.AES_128_GCM_SIV,
                 c.AES_SIV_CMAC_256), faults=None, lifetime=300.0):
        self.cert_chain = cert_chain
        self.key = key
        self.aeads = tuple(aeads)       # server preference order
        self.faults = fl.check(faults or {})
        self.lifetime = lifetime
        self.events = []                # (kind, dict) in arrival order
        self._queues = {"ke": collections.deque(), "ntp": collections.deque()}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._jar = c.CookieJar()
        self.signer = signing.Signer()
        self._contexts = {}
        self._threads = []
        self._ke_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._ke_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._ke_sock.bind((HOST, ke_port))
        self._ntp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._ntp_sock.bind((HOST, ntp_port))
        self.ke_port = self._ke_sock.getsockname()[1]
        self.ntp_port = self._ntp_sock.getsockname()[1]

    # --- control -------------------------------------------------------------------------

    def start(self):
        self._ke_sock.listen(16)
        self._ke_sock.settimeout(0.2)
        self._ntp_sock.settimeout(0.2)
        for target in (self._accept_loop, self._ntp_loop):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self):
        self._stop.set()
        timer = getattr(self, "_timer", None)
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(2.0)
        self._ke_sock.close()
        self._ntp_sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def stopped(self):
        return self._stop.is_set()

    def set_faults(self, **faults):
        with self._lock:
            merged = dict(self.faults)
            merged.update(faults)
            self.faults = fl.check(merged)

    def clear_faults(self):
        with self._lock:
            self.faults = {}
            for q in self._queues.values():
                q.clear()

    def next_ke(self, **faults):
        self._queues["ke"].append(fl.check(faults))

    def next_ntp(self, **faults):
        self._queues["ntp"].append(fl.check(faults))

    def _faults_for(self, kind):
        with self._lock:
            f = dict(fl.DEFAULTS)
            f.update(self.faults)
            if self._queues[kind]:
                f.update(self._queues[kind].popleft())
        return f

    def _event(self, kind, **info):
        with self._lock:
            self.events.append((kind, info))

    def clock(self, lie=0.0):
        return time.time() + lie

    # --- NTS-KE ----------------------------------------------------------------------------

    def _context(self, tls12):
        ctx = self._contexts.get(tls12)
        if ctx is None:
            ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
            version = SSL.TLS1_2_VERSION if tls12 else SSL.TLS1_3_VERSION
            ctx.set_min_proto_version(version)
            ctx.set_max_proto_version(version)
            ctx.use_certificate_chain_file(self.cert_chain)
            ctx.use_privatekey_file(self.key)
            ctx.set_alpn_select_callback(_select_alpn)
            self._contexts[tls12] = ctx
        return ctx

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock, _ = self._ke_sock.accept()
            except (socket.timeout, OSError):
                continue
            t = threading.Thread(target=self._serve_ke, args=(sock,), daemon=True)
            t.start()

    def _serve_ke(self, sock):
        f = self._faults_for("ke")
        info = {"faults": {k: v for k, v in f.items() if v != fl.DEFAULTS[k]}}
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            stream = _TLSStream(sock, self._context(f["tls12"]), f, self._stop)
            if not stream.handshake():
                self._event("ke", result="stalled", faults=info["faults"])
                info = None
                stream.idle()
                return
            alpn = stream.conn.get_alpn_proto_negotiated()
            info["alpn"] = alpn
            info["tls_version"] = stream.conn.get_protocol_version_name()
            if alpn != ALPN and f["alpn"] is None:
                info["result"] = "no ntske/1 alpn"
                return
            if f["ke_close"]:
                info["result"] = "closed"
                return
            request = stream.recv_message()
            if f["ke_delay"]:
                self._stop.wait(f["ke_delay"])
            response, info2 = self._ke_response(request, f, stream.conn.export_keying_material)
            info.update(info2)
            stream.send(response)
            info["result"] = info.get("result", "ok")
        except (SSL.Error, OSError, c.ProtocolError) as e:
            info["result"] = "error: %s" % (e,)
        finally:
            if info is not None:
                self._event("ke", **info)
            try:
                sock.close()
            except OSError:
                pass

    def _ke_response(self, request, f, export):
        info = {}
        R = c.record
        end = b"" if f["no_end"] else R(c.END, critical=True)
        if f["ke_error"] is not None:
            return R(c.ERROR, c.u16s(f["ke_error"]), critical=True) + end, {"result": "error"}
        try:
            records = c.parse_records(request)
        except c.ProtocolError:
            return R(c.ERROR, c.u16s(1), critical=True) + end, {"result": "bad request"}
        protocols, offered, seen = None, [], set()
        for crit, rtype, body in records:
            seen.add(rtype)
            if rtype == c.NEXT_PROTOCOL:
                protocols = c.split_u16s(body)
            elif rtype == c.AEAD:
                offered = c.split_u16s(body)
            elif crit and rtype not in (c.END, c.SERVER, c.PORT, c.NEW_COOKIE):
                return R(c.ERROR, c.u16s(0), critical=True) + end, {"result": "unknown crit"}
        info["offered"] = offered
        info["sent_1024"] = c.COMPLIANT_GCM_SIV in seen
        if protocols is None or 0 not in protocols or not records or records[-1][1] != c.END:
            return R(c.ERROR, c.u16s(1), critical=True) + end, {"result": "bad request"}
        aead = f["aead"]
        if aead is None:
            aead = next((a for a in self.aeads if a in offered), None)
        info["aead"] = aead
        out = [R(c.NEXT_PROTOCOL, c.u16s(*(f["next_protocol"] if f["next_protocol"] is not None
                                           else [0])), critical=True)]
        if aead is None:   # RFC 8915 4.1.5: empty AEAD record, no cookies
            out.append(R(c.AEAD, b"", critical=True))
            return b"".join(out) + end, dict(info, result="no common aead")
        out.append(R(c.AEAD, c.u16s(aead), critical=True))
        if f["duplicate_aead"]:
            out.append(R(c.AEAD, c.u16s(aead), critical=True))
        context_aead = None
        if aead == c.AES_128_GCM_SIV:
            mode = f["gcm_siv"]
            compliant = (mode == "rfc" or (mode == "chrony44" and info["sent_1024"]))
            if mode == "chrony44" and info["sent_1024"]:
                out.append(R(c.COMPLIANT_GCM_SIV))
            if not compliant:
                context_aead = c.AES_SIV_CMAC_256
            info["compliant"] = compliant
        if f["ke_warning"] is not None:
            out.append(R(c.WARNING, c.u16s(f["ke_warning"]), critical=True))
        if f["unknown_critical"]:
            out.append(R(UNKNOWN_RECORD, b"\x00\x01", critical=True))
        if f["unknown_noncritical"]:
            out.append(R(UNKNOWN_RECORD, b"\x00\x01"))
        crit = f["negotiation_critical"]
        if f["server_name"] is not None:
            out.append(R(c.SERVER, f["server_name"].encode("ascii"), critical=crit))
        port = f["port"] if f["port"] is not None else (
            self.ntp_port if self.ntp_port != 123 else None)
        if port is not None:
            out.append(R(c.PORT, c.u16s(port), critical=crit))
        if aead in c.KEY_LEN:
            c2s, s2c = c.derive_keys(export, aead, context_aead)
            for _ in range(f["cookies"]):
                cookie = self._jar.seal(aead, c2s, s2c)
                if f["cookie_size"]:
                    cookie = (cookie + os.urandom(max(0, f["cookie_size"] - len(cookie))))[
                        :max(f["cookie_size"], len(cookie))]
                out.append(R(c.NEW_COOKIE, cookie))
        info["signed"] = signing.wants_key(records)
        if info["signed"] and f["signed"] != "off":
            out.append(self.signer.public_key_record())   # after the cookies, as Norn
        return b"".join(out) + end, info

    # --- NTP -------------------------------------------------------------------------------

    def _ntp_loop(self):
        while not self._stop.is_set():
            try:
                pkt, addr = self._ntp_sock.recvfrom(2048)
            except (socket.timeout, OSError):
                continue
            t_recv = time.time()
            f = self._faults_for("ntp")
            try:
                reply, info = self._ntp_response(pkt, t_recv, f)
            except (c.ProtocolError, struct.error) as e:
                reply, info = None, {"result": "ignored: %s" % (e,)}
            second = info.pop("second", None)
            self._event("ntp", **info)
            if reply is None or f["drop"]:
                continue
            copies = 2 if f["duplicate"] else 1
            if second and f["signed"] == "late":
                t = threading.Timer(f["delay"] + signing.LATE_S, self._send, (second, addr, 1))
                t.daemon = True
                t.start()
                second = None
            if f["delay"]:
                t = threading.Timer(f["delay"], self._send, (reply, addr, copies, second))
                t.daemon = True
                t.start()
            else:
                self._send(reply, addr, copies, second)

    def _send(self, reply, addr, copies, second=None):
        for data in [reply] * copies + ([second] if second else []):
            try:
                self._ntp_sock.sendto(data, addr)
            except OSError:
                return

    def _ntp_response(self, pkt, t_recv, f):
        if len(pkt) < 48 or pkt[0] & 7 != 3:
            raise c.ProtocolError("not a client request")
        if len(pkt) == 48 and f["plain_ntp"]:
            now = self.clock(f["lie"])
            return c.ntp_header((0 << 6) | (4 << 3) | 4, 1, pkt[2], -20, b"LOCL",
                                c.to_ntp64(now - 1), pkt[40:48], c.to_ntp64(t_recv + f["lie"]),
                                c.to_ntp64(self.clock(f["lie"])), root_disp=0x10), \
                {"size": 48, "result": "plain"}
        fields = c.parse_ext_fields(pkt)
        uid = [b for t, b, _ in fields if t == c.EF_UID]
        cookie = [b for t, b, _ in fields if t == c.EF_COOKIE]
        placeholders = [b for t, b, _ in fields if t == c.EF_PLACEHOLDER]
        auth = [(b, pos) for t, b, pos in fields if t == c.EF_AUTH]
        info = {"size": len(pkt), "placeholders": len(placeholders),
                "cookie_len": len(cookie[0]) if cookie else 0}
        if len(uid) != 1 or len(cookie) != 1 or len(auth) != 1 or fields[-1][0] != c.EF_AUTH:
            raise c.ProtocolError("not an NTS request")
        lie = f["lie"]
        ref = c.to_ntp64(self.clock(lie) - 1)
        orig = b"\x55" * 8 if f["wrong_origin"] else pkt[40:48]
        head = lambda stratum, refid: c.ntp_header(  # noqa: E731
            (0 << 6) | (4 << 3) | 4, stratum, pkt[2], -20, refid, ref, orig,
            c.to_ntp64(t_recv + lie), c.to_ntp64(self.clock(lie)), root_disp=0x10)
        uid_ef = c.ext_field(c.EF_UID, os.urandom(32) if f["wrong_uid"] else uid[0])
        keys = self._jar.open(cookie[0])
        plain = None
        if keys is not None:
            plain = c.open_auth_body(keys[0], keys[1], pkt[:auth[0][1]], auth[0][0])
        if f["nak"] or plain is None:
            info["result"] = "nak"
            return head(0, b"NTSN") + uid_ef, info
        aead, _, s2c = keys
        info["aead"] = aead
        new = [] if f["no_cookies"] or f["kod"] else [
            self._jar.seal(aead, keys[1], s2c) for _ in range(min(8, 1 + len(placeholders)))]
        stratum, refid = (0, f["kod"]) if f["kod"] else (1, b"LOCL")
        msg = head(stratum, refid) + uid_ef
        if f["plain_cookie"]:
            msg += c.ext_field(c.EF_COOKIE, self._jar.seal(aead, keys[1], s2c))
        info["result"] = "kod" if f["kod"] else "ok"
        info["asked_signed"] = signing.wants_signature(fields)
        sign = info["asked_signed"] and f["signed"] != "off" and not f["kod"]
        info["signed"] = sign
        if sign:
            msg += self.signer.announce_field(f["signed"])
        if f["no_auth"]:
            return msg, info
        ef = c.auth_field(aead, s2c, msg, b"".join(c.ext_field(c.EF_COOKIE, k) for k in new))
        if f["bad_tag"]:
            # The ciphertext starts after the 8 header bytes and the padded nonce.
            i = 8 + c.nonce_len(aead)
            ef = ef[:i] + bytes([ef[i] ^ 1]) + ef[i + 1:]
        info["reply_size"] = len(msg) + len(ef)
        if sign:
            info["second"] = self.signer.second_reply(msg + ef, f["signed"])
            info["second_size"] = len(info["second"] or b"")
        return msg + ef, info


def _select_alpn(conn, offered):
    f = conn.get_app_data()
    if f["alpn"] == "none":
        return SSL.NO_OVERLAPPING_PROTOCOLS
    if f["alpn"] == "wrong":
        return b"http/1.1"
    if f["alpn"] == "reject" or ALPN not in offered:
        raise ValueError("no ntske/1")   # pyOpenSSL turns this into a fatal alert
    return ALPN


class _TLSStream:
    """A server-side TLS connection over memory BIOs: we decide what reaches the socket."""

    def __init__(self, sock, ctx, faults, stop):
        self.sock = sock
        self.faults = faults
        self.stop = stop
        self.deadline = time.monotonic() + KE_TIMEOUT
        self.conn = SSL.Connection(ctx, None)
        self.conn.set_app_data(faults)
        self.conn.set_accept_state()

    def _pending(self):
        out = b""
        while True:
            try:
                chunk = self.conn.bio_read(_CHUNK)
            except SSL.WantReadError:
                return out
            if not chunk:
                return out
            out += chunk

    def _fill(self):
        self.sock.settimeout(max(0.01, self.deadline - time.monotonic()))
        data = self.sock.recv(_CHUNK)
        if not data:
            raise OSError("peer closed")
        self.conn.bio_write(data)

    def handshake(self):
        """-> True when done; False when told to stall (we then idle until timeout)."""
        while True:
            try:
                self.conn.do_handshake()
                self.sock.sendall(self._pending())
                return True
            except SSL.WantReadError:
                out = self._pending()
                if out and self.faults["stall_after_server_hello"]:
                    n = 5 + struct.unpack(">H", out[3:5])[0]
                    self.sock.sendall(out[:n])
                    return False
                if out:
                    self.sock.sendall(out)
                self._fill()
            except (SSL.Error, ValueError) as e:   # ValueError: from _select_alpn
                self.sock.sendall(self._pending())   # the alert, if any
                raise OSError("handshake failed: %s" % (e,))

    def idle(self):
        """Say nothing until the peer gives up (closes) or our deadline passes."""
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            self.sock.settimeout(0.2)
            try:
                if not self.sock.recv(_CHUNK):
                    return
            except socket.timeout:
                continue

    def recv_message(self):
        buf = b""
        while not c.message_complete(buf):
            if len(buf) > c.KE_MAX:
                raise c.ProtocolError("request too long")
            try:
                buf += self.conn.recv(_CHUNK)
            except SSL.WantReadError:
                self.sock.sendall(self._pending())
                self._fill()
            except SSL.ZeroReturnError:
                raise OSError("peer closed before End of Message")
        return buf

    def send(self, data):
        self.conn.sendall(data)
        try:
            self.conn.shutdown()
        except SSL.Error:
            pass
        self.sock.sendall(self._pending())


def spawn(cert_chain, key, lie=0, lifetime=300, extra=()):
    """Start the CLI server in a subprocess -> (Popen, {"ke_port", "ntp_port", "pid"})."""
    import json
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cmd = [sys.executable, "-m", "host_tests.reference", "--port", "0", "--ntp-port", "0",
           "--cert", cert_chain, "--key", key, "--lie", str(lie), "--lifetime", str(lifetime)]
    proc = subprocess.Popen(cmd + list(extra), cwd=root, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait(5)
        raise RuntimeError("reference server did not start (rc %s)" % proc.returncode)
    return proc, json.loads(line)
