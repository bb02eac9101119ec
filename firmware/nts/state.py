# Power-safe persistence of what lets a board resume without a key exchange: per-server
# NTS sessions (AEAD, keys, unused cookies), the last good time and the trust state.
#
# Invariants:
# - A write is atomic: the new file is written under a temporary name, flushed and
#   synced, then renamed over the old one. A power cut at any point leaves the old file
#   or the new one; load() also accepts a complete temporary file when the main file is
#   gone (FAT cannot rename over an existing file, so there we remove first).
# - A file that fails its checksum (torn write, bit rot) or belongs to another
#   configuration (config digest) is ignored: load() returns None, the caller starts
#   fresh. It never raises on bad contents.
# - A cookie is used at most once. load() CONSUMES the sessions: before handing cookies
#   to the caller it rewrites the file without them, so after a crash they cannot be
#   loaded again. Likewise save() hands cookies over to flash: the caller must drop from
#   its stash every cookie it saved (a cookie lives in RAM or in flash, never both).
#
# File layout (big-endian):
#   "NTSS" | version u8 | config digest (16) | body length u32 | body | SHA-256[:16]
#   body   = last_good_ns u64 | flags u8 (bit 0: trusted) | n u8 | n * session
#   session = name<1> | ke_time u64 | aead u16 | ntp_host<1> | ntp_port u16
#             | c2s<1> | s2c<1> | ncookies u8 | ncookies * cookie<2> | cert<1>
#             | key_id u16 | signing key<1>       (empty key = none)
#   cert    = empty (not known) | not_before u64 | not_after u64 | flags u8 (bit 0:
#             dates checked against a trusted clock) | leaf SHA-256 (32)
# (<k> = a vector with a k-byte length prefix.) Version 1 files (no cert, no signing
# key) still load.
import hashlib
import os
from nts.atomicfile import exists, write_atomic
from nts.errors import ParseError, StateError
from nts.wire import Reader, Writer

MAGIC = b"NTSS"
VERSION = 2
_CERT_LEN = 8 + 8 + 1 + 32
_DIGEST_LEN = 16
_SUM_LEN = 16
_HEADER_LEN = 4 + 1 + _DIGEST_LEN + 4


class CertRecord:
    """What a session's certificate chain was: the window in which every certificate of
    its path is valid (unix s), the leaf's SHA-256 (nts.sources: one certificate, one
    source) and whether the dates were checked against a trusted clock. A session keyed
    while the clock was untrusted is checked again (valid_at) once it is trusted."""

    def __init__(self, not_before, not_after, sha256, checked):
        self.not_before = not_before
        self.not_after = not_after
        self.sha256 = sha256
        self.checked = checked

    def valid_at(self, now_s):
        return self.not_before <= now_s <= self.not_after


class ServerSession:
    """One server's NTS session: what NTS-KE gave us. Secrets stay out of repr.
    cert: a CertRecord, or None (not known)."""

    def __init__(self, name, aead, c2s, s2c, cookies, ntp_host="", ntp_port=123, ke_time=0,
                 cert=None, signing_key=None):
        self.name = name
        self.aead = aead
        self.c2s = c2s
        self.s2c = s2c
        self.cookies = cookies      # list of bytes, oldest first
        self.ntp_host = ntp_host    # from the NTPv4 Server Negotiation record; "" = configured
        self.ntp_port = ntp_port
        self.ke_time = ke_time      # unix seconds of the key exchange
        self.cert = cert
        self.signing_key = signing_key  # (key id, SEC1 point) from NTS-KE, or None

    def __repr__(self):
        return "<ServerSession %s aead=%d cookies=%d>" % (self.name, self.aead, len(self.cookies))


class State:
    """Persisted state. sessions: {server Instance: ServerSession}."""

    def __init__(self, config_digest, last_good_ns=0, trusted=False, sessions=None):
        self.config_digest = config_digest
        self.last_good_ns = last_good_ns
        self.trusted = trusted
        self.sessions = sessions if sessions is not None else {}

    def __repr__(self):
        return "<State last_good_ns=%d trusted=%s sessions=%s>" % (
            self.last_good_ns, self.trusted, ",".join(sorted(self.sessions)))

    def without_sessions(self):
        return State(self.config_digest, self.last_good_ns, self.trusted)


def _str(s, what):
    b = s.encode()
    if len(b) > 255:
        raise StateError("%s too long" % what)
    return b


def encode(state):
    """The file's bytes as a list of chunks (their concatenation is the file)."""
    if len(state.config_digest) != _DIGEST_LEN:
        raise StateError("config digest must be %d bytes" % _DIGEST_LEN)
    if len(state.sessions) > 255:
        raise StateError("too many sessions")
    body = Writer()
    body.u64(state.last_good_ns).u8(1 if state.trusted else 0).u8(len(state.sessions))
    for name in sorted(state.sessions):
        s = state.sessions[name]
        if len(s.cookies) > 255 or len(s.c2s) > 255 or len(s.s2c) > 255:
            raise StateError("session too large")
        body.vector(1, _str(name, "name")).u64(s.ke_time).u16(s.aead)
        body.vector(1, _str(s.ntp_host, "host")).u16(s.ntp_port)
        body.vector(1, s.c2s).vector(1, s.s2c).u8(len(s.cookies))
        for c in s.cookies:
            if len(c) > 0xFFFF:
                raise StateError("cookie too large")
            body.vector(2, c)
        cert = s.cert
        if cert is None:
            body.u8(0)
        else:
            if len(cert.sha256) != 32:
                raise StateError("certificate hash must be 32 bytes")
            # A notBefore before 1970 (UTCTime allows 1950) is as good as 0 here.
            body.u8(_CERT_LEN).u64(max(0, cert.not_before)).u64(max(0, cert.not_after))
            body.u8(1 if cert.checked else 0).put(cert.sha256)
        key_id, key = s.signing_key or (0, b"")
        body.u16(key_id).vector(1, key)
    # Chunks, not one joined copy: a saving board may have no 2 KB block left to spare.
    head = Writer().put(MAGIC).u8(VERSION).put(state.config_digest).u32(len(body)).buf
    h = hashlib.sha256(head)
    h.update(body.buf)
    return [head, body.buf, h.digest()[:_SUM_LEN]]


def decode(data, config_digest=None):
    """State from file bytes; StateError when corrupt, of another version, or (when
    config_digest is given) of another configuration."""
    if len(data) < _HEADER_LEN + _SUM_LEN:
        raise StateError("state file truncated")
    if hashlib.sha256(data[:-_SUM_LEN]).digest()[:_SUM_LEN] != data[-_SUM_LEN:]:
        raise StateError("state file checksum mismatch")
    try:
        r = Reader(data, 0, len(data) - _SUM_LEN)
        if r.take(4) != MAGIC:
            raise StateError("not a state file")
        version = r.u8()
        if version not in (1, VERSION):
            raise StateError("not a state file of this version")
        digest = r.take(_DIGEST_LEN)
        if config_digest is not None and digest != config_digest:
            raise StateError("state belongs to another configuration")
        b = r.vector(4)
        r.expect_end("state file")
        state = State(digest, b.u64(), bool(b.u8() & 1))
        for _ in range(b.u8()):
            name = b.vector(1).rest().decode()
            ke_time = b.u64()
            aead = b.u16()
            host = b.vector(1).rest().decode()
            port = b.u16()
            c2s = b.vector(1).rest()
            s2c = b.vector(1).rest()
            cookies = [b.vector(2).rest() for _ in range(b.u8())]
            cert = key = None
            if version > 1:
                c = b.vector(1)
                if not c.at_end():
                    nb = c.u64()
                    na = c.u64()
                    checked = bool(c.u8() & 1)
                    cert = CertRecord(nb, na, c.take(32), checked)
                    c.expect_end("certificate record")
                key_id = b.u16()
                point = b.vector(1).rest()
                key = (key_id, point) if point else None
            state.sessions[name] = ServerSession(name, aead, c2s, s2c, cookies, host, port,
                                                 ke_time, cert, key)
        b.expect_end("state body")
        return state
    except (ParseError, UnicodeError) as e:
        raise StateError("state file malformed: %s" % e)


class Store:
    """The state file at `path` (plus `path`.tmp while writing)."""

    def __init__(self, path):
        self.path = path
        self.tmp = path + ".tmp"
        self.last_error = ""

    def save(self, state):
        write_atomic(self.path, encode(state))

    def _read(self, path, config_digest):
        with open(path, "rb") as f:
            return decode(f.read(), config_digest)

    def load(self, config_digest):
        """The persisted State for this configuration, or None (see last_error).

        Sessions are consumed: the file is rewritten without them before they are
        returned; if that rewrite fails they are dropped, not returned.
        """
        self.last_error = ""
        state = None
        for path in (self.path, self.tmp):
            try:
                state = self._read(path, config_digest)
                break
            except OSError as e:
                if exists(path):
                    self.last_error = "%s: unreadable: %s" % (path, e)
            except StateError as e:
                self.last_error = "%s: %s" % (path, e)
        if state is None:
            if not self.last_error:
                self.last_error = "no state file"
            return None
        if state.sessions:
            try:
                self.save(state.without_sessions())
            except (OSError, StateError) as e:
                self.last_error = "could not consume sessions: %s" % e
                return state.without_sessions()
        elif path == self.path and exists(self.tmp):
            try:
                os.remove(self.tmp)     # a stale half-finished write
            except OSError:
                pass
        return state

    def clear(self):
        for path in (self.path, self.tmp):
            try:
                os.remove(path)
            except OSError:
                pass
