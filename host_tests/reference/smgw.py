"""A Smart Meter Gateway stand-in for mode NTPv4TLS (CPython only): OpenSSL TLS 1.2 on
loopback, ECDHE-ECDSA-AES128-GCM-SHA256 on P-256, a client certificate required, and
an NTPv4 server answering one 48-byte request per connection with a 48-byte reply (the
framing nts.smgw decided). Written without the firmware's codecs.

    gw = SMGWStandIn(chain_pem, key_pem, client_ca_pem, faults={"mode": 3}).start()
    ... gw.port ...;  gw.events: [("tls", version, cipher) | ("error", text) | ("ntp", n)]
    gw.stop()

faults: "mode" (reply mode, default 4), "version" (reply VN), "no_echo" (origin
timestamp not ours), "short" (send this many bytes, then close), "lie" (s added to the
time), "tls_max" ("TLSv1"/"TLSv1_1": offer only these old versions), "no_client_ca"
(request no client certificate), "split" (reply in two TLS records), "silent" (s to
wait, then close without a reply), "tls13" (offer TLS 1.3 beside 1.2: HAN allows it).
"""
import socket
import ssl
import struct
import threading
import time
import warnings

NTP_EPOCH_OFFSET = 2208988800


def ntp_ts(t):
    s = int(t)
    return struct.pack(">II", (s + NTP_EPOCH_OFFSET) & 0xFFFFFFFF, int((t - s) * 2 ** 32))


class SMGWStandIn:
    def __init__(self, chain_pem, key_pem, client_ca_pem, faults=None, lifetime=120):
        self.faults = dict(faults or {})
        self.events = []
        self.lifetime = lifetime
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        old = self.faults.get("tls_max")
        if old:
            # OpenSSL 3 refuses TLS < 1.2 below security level 0.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = getattr(ssl.TLSVersion, old)
            ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0")
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.maximum_version = (ssl.TLSVersion.TLSv1_3 if self.faults.get("tls13")
                                   else ssl.TLSVersion.TLSv1_2)
            ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")    # TLS 1.2's; 1.3 keeps its own
        ctx.set_ecdh_curve("prime256v1")
        ctx.load_cert_chain(chain_pem, key_pem)
        if not self.faults.get("no_client_ca"):
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(client_ca_pem)
        self.ctx = ctx
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self._stop = threading.Event()

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        end = time.monotonic() + self.lifetime
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            conn.settimeout(5)
            try:
                self._serve(conn)
            except (OSError, ssl.SSLError) as e:
                self.events.append(("error", str(e)))
            finally:
                conn.close()

    def _serve(self, conn):
        s = self.ctx.wrap_socket(conn, server_side=True)
        self.events.append(("tls", s.version(), s.cipher()[0]))
        req = b""
        while len(req) < 48:
            part = s.recv(48 - len(req))
            if not part:
                self.events.append(("error", "client closed after %d bytes" % len(req)))
                return
            req += part
        if self.faults.get("silent"):
            time.sleep(self.faults["silent"])       # never answers in time
            return
        t2 = time.time() + self.faults.get("lie", 0)
        self.events.append(("ntp", len(req)))
        f = self.faults
        first = (0 << 6) | (f.get("version", 4) << 3) | f.get("mode", 4)
        orig = b"\x01" * 8 if f.get("no_echo") else req[40:48]
        reply = (struct.pack(">BBbbII4s", first, 2, 3, -20, 0x00000080, 0x00000100, b"SMGW")
                 + ntp_ts(t2 - 10) + orig + ntp_ts(t2)
                 + ntp_ts(time.time() + f.get("lie", 0)))
        if "short" in f:
            s.sendall(reply[:f["short"]])
            conn.shutdown(socket.SHUT_RDWR)     # TCP FIN, no close_notify: truncation
            return
        if f.get("split"):
            s.sendall(reply[:20])
            time.sleep(0.01)
            s.sendall(reply[20:])
        else:
            s.sendall(reply)
        try:
            s.unwrap()
        except (OSError, ssl.SSLError):
            pass
