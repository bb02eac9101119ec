# Sans-IO TLS 1.3 client for NTS-KE (RFC 8446), one handler per state as in Mbed TLS's
# ssl_tls13_client.c: each takes a message of the expected type, parses it with a pure
# function from nts.tls.messages, adds it to the transcript and sets the next state.
# Bytes from the network go into receive_steps() (or receive(), its blocking form), which
# returns the bytes to send.
#
# Speed on the MCU (issue 4): the X25519 key share is made before the caller connects
# and handed to the constructor. From the ServerHello to our Finished the client does
# only the shared secret, the key schedule, record decryption and the Finished MAC. The
# chain and the CertificateVerify signature (the slow public-key work) are checked by
# authenticate_steps(), which the caller runs after sending its request (it carries no
# secret) and before it reads anything back: until then, application data and the
# exporter are refused, and a failed check poisons the connection for good.
#
# The long computations are generators (nts.slices): a caller on the asyncio loop
# drives receive_steps() and authenticate_steps() with slices.run_async, so the loop's
# other tasks run between slices (issue 8); each record is a slice of its own too.
from micropython import const

from nts import slices
from nts.crypto import ct, signature, x25519
from nts.errors import AuthError, CertError, NTSError, ParseError, SignatureError, TLSAlert, \
    TLSError
from nts.platform import random_bytes
from nts.tls import keyschedule as ks
from nts.tls import messages as msg
from nts.tls import record

_WAIT_SERVER_HELLO = const(0)
_WAIT_ENCRYPTED_EXTENSIONS = const(1)
_WAIT_CERTIFICATE = const(2)
_WAIT_CERTIFICATE_VERIFY = const(3)
_WAIT_FINISHED = const(4)
_CONNECTED = const(5)
_FAILED = const(6)

# RFC 8446 4.4.3: RSASSA-PKCS1-v1_5 (and SHA-1) never sign a CertificateVerify.
_CV_FORBIDDEN = (0x0201, 0x0203, 0x0401, 0x0501, 0x0601)

# Alert descriptions sent before closing on an error (RFC 8446 6.2).
_ALERT_FATAL = const(2)
_ALERT_CLOSE_NOTIFY = const(0)
_ALERT_UNEXPECTED_MESSAGE = const(10)
_ALERT_BAD_RECORD_MAC = const(20)
_ALERT_HANDSHAKE_FAILURE = const(40)
_ALERT_BAD_CERTIFICATE = const(42)
_ALERT_DECODE_ERROR = const(50)


class TLSClient:
    """One TLS 1.3 connection's protocol state.

    verify_chain(chain): the trust decision, injected so this module stays free of trust
    policy: a generator (nts.slices) that returns the leaf public key tuple (see
    nts.crypto.signature) or raises CertError, e.g. trust.verify_chain_steps bound to
    a server. key_pair: the X25519 (private, public) pair of our key share
    (x25519.keypair_steps()), made before connecting.
    """

    def __init__(self, server_name, verify_chain, key_pair,
                 schemes=signature.SUPPORTED_SCHEMES):
        self._name = server_name.encode() if isinstance(server_name, str) else server_name
        self._verify_chain = verify_chain
        self._schemes = schemes
        self._private, public = key_pair
        self._share = (msg.GROUP_X25519, public)
        # legacy_session_id: 32 random bytes for middlebox compatibility (RFC 8446 D.4);
        # not secret, the server echoes it.
        self.session_id = random_bytes(32)
        self._random = None
        self._records = record.RecordLayer()
        self._hs = record.HandshakeBuffer()
        self._transcript = ks.Transcript()
        self._keys = ks.KeySchedule()
        self._state = _WAIT_SERVER_HELLO
        self.retried = False
        self._chain = None
        self._cert_hash = None
        self._cert_verify = None
        self._app = []
        self._out = []
        self.handshake_keys = False     # ServerHello processed, handshake keys in use
        self.handshake_done = False
        self.authenticated = False
        self.peer_closed = False
        self._handlers = {
            _WAIT_ENCRYPTED_EXTENSIONS: self._on_encrypted_extensions,
            _WAIT_CERTIFICATE: self._on_certificate,
            _WAIT_CERTIFICATE_VERIFY: self._on_certificate_verify,
            _WAIT_FINISHED: self._on_finished,
            _CONNECTED: self._on_post_handshake,
        }

    # -- driving the connection -------------------------------------------------------

    def start(self):
        """The ClientHello record: the first bytes to send."""
        self._random = random_bytes(32)
        return self._send_client_hello(None)

    def receive_steps(self, data):
        """Process bytes from the peer, in slices; return the bytes to send (maybe b"")."""
        if self._state == _FAILED:
            raise TLSError("connection already failed")
        try:
            self._records.feed(data)
            while True:
                rec = self._records.next_record()
                if rec is None:
                    break
                yield from self._on_record_steps(rec[0], rec[1])
                yield
        except Exception:
            self._fail()
            raise
        out = b"".join(self._out)
        self._out = []
        return out

    def receive(self, data):
        """receive_steps() at once: for records that need no long computation (those
        after the handshake)."""
        return slices.run(self.receive_steps(data))

    def _on_record_steps(self, ctype, content):
        if ctype == record.HANDSHAKE:
            self._hs.add(content)
            while self._state != _FAILED:
                m = self._hs.next_message()
                if m is None:
                    break
                if self._state == _WAIT_SERVER_HELLO:   # the one handler that computes long
                    yield from self._on_server_hello_steps(m[0], m[1], m[2])
                else:
                    self._handlers[self._state](m[0], m[1], m[2])
        elif ctype == record.APPLICATION_DATA:
            if self._state != _CONNECTED:
                raise TLSError("application data before the handshake completed")
            if content:
                self._app.append(content)
        else:   # close_notify
            self.peer_closed = True

    def _expect(self, msg_type, wanted):
        if msg_type != wanted:
            raise TLSError("unexpected handshake message %d (wanted %d)" % (msg_type, wanted))

    def _key_change(self):
        # RFC 8446 5.1: handshake messages must not span a key change.
        if not self._hs.empty():
            raise TLSError("handshake message spans a key change")

    def _send_client_hello(self, retry):
        # After a HelloRetryRequest only the key share and the cookie change (RFC 8446
        # 4.1.2): same random, same session id.
        cookie = retry.cookie if retry is not None else None
        hello = msg.client_hello(self._random, self.session_id, self._name, [self._share],
                                 self._schemes, cookie)
        self._transcript.add(hello)
        return self._records.seal(record.HANDSHAKE, hello)

    # -- one handler per state ----------------------------------------------------------

    def _on_server_hello_steps(self, msg_type, body, raw):
        self._expect(msg_type, msg.SERVER_HELLO)
        sh = msg.parse_server_hello(body)
        if sh.session_id != self.session_id:
            raise TLSError("ServerHello does not echo our session id")
        if sh.is_retry:
            yield from self._on_hello_retry_steps(sh, raw)
            return
        group, private = self._share[0], self._private
        if sh.group != group:
            raise TLSError("server key share for group %d, not offered" % sh.group)
        if group == msg.GROUP_X25519:
            if len(sh.key_exchange) != 32:
                raise TLSError("bad X25519 key share length")
            shared = yield from x25519.shared_steps(private, sh.key_exchange)  # AuthError if
        else:                                                                  # low order
            from nts.crypto import ec
            shared = yield from ec.p256_shared_steps(private, sh.key_exchange)
        self._private = None
        self._transcript.add(raw)
        self._keys.derive_handshake(shared, self._transcript.digest())
        self._key_change()
        self._records.set_read_key(*ks.traffic_key_iv(self._keys.server_hs), defer_tags=True)
        self._records.set_write_key(*ks.traffic_key_iv(self._keys.client_hs))
        self._records.accept_ccs = True
        self.handshake_keys = True
        self._state = _WAIT_ENCRYPTED_EXTENSIONS

    def _on_hello_retry_steps(self, hrr, raw):
        # RFC 8446 4.1.4: at most one HelloRetryRequest, and it must change something:
        # we only ever offer an X25519 share, so the only useful request is secp256r1.
        if self.retried:
            raise TLSError("second HelloRetryRequest")
        if hrr.group != msg.GROUP_SECP256R1:
            raise TLSError("HelloRetryRequest for group %d" % hrr.group)
        self.retried = True
        self._records.accept_ccs = True
        from nts.crypto import ec
        self._private, public = yield from ec.p256_keypair_steps()
        self._share = (msg.GROUP_SECP256R1, public)
        self._transcript.restart_after_hello_retry()
        self._transcript.add(raw)
        self._out.append(self._send_client_hello(hrr))

    def _on_encrypted_extensions(self, msg_type, body, raw):
        self._expect(msg_type, msg.ENCRYPTED_EXTENSIONS)
        msg.parse_encrypted_extensions(body)
        self._transcript.add(raw)
        self._state = _WAIT_CERTIFICATE

    def _on_certificate(self, msg_type, body, raw):
        if msg_type == msg.CERTIFICATE_REQUEST:
            raise TLSError("server requests a client certificate (not supported)")
        self._expect(msg_type, msg.CERTIFICATE)
        self._chain = msg.parse_certificate(body)
        self._transcript.add(raw)
        self._cert_hash = self._transcript.digest()
        self._state = _WAIT_CERTIFICATE_VERIFY

    def _on_certificate_verify(self, msg_type, body, raw):
        self._expect(msg_type, msg.CERTIFICATE_VERIFY)
        scheme, sig = msg.parse_certificate_verify(body)
        if scheme not in self._schemes or scheme in _CV_FORBIDDEN:
            raise TLSError("CertificateVerify scheme 0x%04x not offered" % scheme)
        self._cert_verify = (scheme, sig)    # checked later by authenticate_steps()
        self._transcript.add(raw)
        self._state = _WAIT_FINISHED

    def _on_finished(self, msg_type, body, raw):
        self._expect(msg_type, msg.FINISHED)
        keys = self._keys
        expected = ks.finished_verify_data(keys.server_hs, self._transcript.digest())
        if not ct.equal(msg.parse_finished(body), expected):
            raise AuthError("server Finished does not verify")
        self._transcript.add(raw)
        server_finished_hash = self._transcript.digest()
        keys.derive_application(server_finished_hash)
        mine = msg.finished(ks.finished_verify_data(keys.client_hs, server_finished_hash))
        self._key_change()
        self._out.append(self._records.seal(record.HANDSHAKE, mine))
        self._records.set_write_key(*ks.traffic_key_iv(keys.client_ap))
        self._records.set_read_key(*ks.traffic_key_iv(keys.server_ap))
        self._records.accept_ccs = False
        keys.client_hs = keys.server_hs = keys.handshake_secret = None
        self._transcript = None
        self._state = _CONNECTED
        self.handshake_done = True

    def _on_post_handshake(self, msg_type, body, raw):
        if msg_type == msg.NEW_SESSION_TICKET:
            return      # no resumption: tickets are dropped unread
        self._expect(msg_type, msg.KEY_UPDATE)
        requested = msg.parse_key_update(body)
        self._key_change()
        keys = self._keys
        keys.server_ap = ks.next_traffic_secret(keys.server_ap)
        self._records.set_read_key(*ks.traffic_key_iv(keys.server_ap))
        if requested:
            self._out.append(self._records.seal(record.HANDSHAKE, msg.key_update(False)))
            keys.client_ap = ks.next_traffic_secret(keys.client_ap)
            self._records.set_write_key(*ks.traffic_key_iv(keys.client_ap))

    # -- after the handshake ------------------------------------------------------------

    def authenticate_steps(self):
        """Check the handshake records' tags, the chain and the CertificateVerify
        signature (the deferred, slow part), in slices.

        Raises AuthError, CertError or SignatureError, after which the connection is
        unusable.
        """
        if not self.handshake_done or self._state == _FAILED:
            raise TLSError("authenticate before the handshake completed")
        if self.authenticated:
            return
        try:
            yield from self._records.check_deferred_tags_steps()
            leaf_key = yield from self._verify_chain(self._chain)
            scheme, sig = self._cert_verify
            yield from signature.verify_steps(
                scheme, leaf_key, msg.certificate_verify_input(self._cert_hash), sig)
        except Exception:
            self._fail()
            raise
        self._chain = self._cert_verify = None
        self.authenticated = True

    def _require_authenticated(self):
        if self._state == _FAILED:
            raise TLSError("connection failed")
        if not self.authenticated:
            raise TLSError("server not authenticated yet")

    def send(self, data):
        """Records carrying application data (allowed once our Finished is out)."""
        if self._state != _CONNECTED:
            raise TLSError("send before the handshake completed")
        return self._records.seal(record.APPLICATION_DATA, data)

    def read(self):
        """Application data received so far (b"" if none); only from an authenticated peer."""
        self._require_authenticated()
        data = b"".join(self._app)
        self._app = []
        return data

    def exporter(self, label, context, length):
        """TLS-Exporter (RFC 8446 7.5); only for an authenticated peer."""
        self._require_authenticated()
        return self._keys.exporter(label, context, length)

    def close(self):
        """A close_notify record (b"" if the connection already failed)."""
        if self._state == _FAILED:
            return b""
        return self._records.seal(record.ALERT, record.alert(1, _ALERT_CLOSE_NOTIFY))

    def _fail(self):
        # Forget every secret: nothing from a failed connection may be used.
        self._state = _FAILED
        self._keys = None
        self._app = []
        self._private = None
        self._chain = self._cert_verify = None

    def failure_alert(self, exc):
        """The alert record to send before closing after exc (best effort, may be b"")."""
        if isinstance(exc, TLSAlert) or not isinstance(exc, NTSError):
            return b""
        if isinstance(exc, ParseError):
            code = _ALERT_DECODE_ERROR
        elif isinstance(exc, (CertError, SignatureError)):
            code = _ALERT_BAD_CERTIFICATE
        elif isinstance(exc, AuthError):
            # A record tag and the Finished MAC both raise AuthError; bad_record_mac is
            # the common case and either alert ends the connection the same way.
            code = _ALERT_BAD_RECORD_MAC
        elif isinstance(exc, TLSError):
            code = _ALERT_UNEXPECTED_MESSAGE if self.handshake_done else _ALERT_HANDSHAKE_FAILURE
        else:
            return b""
        try:
            return self._records.seal(record.ALERT, record.alert(_ALERT_FATAL, code))
        except Exception:   # the write state itself may be what failed
            return b""
