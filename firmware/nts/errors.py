# Typed errors for everything mpnts parses, verifies or negotiates. Callers catch
# NTSError; tests assert the precise subclass. Messages never contain key material.


class NTSError(Exception):
    pass


class ParseError(NTSError):
    """Malformed, truncated, oversized or duplicated input."""


class AuthError(NTSError):
    """An AEAD tag, MAC or Finished check failed."""


class AlgorithmError(NTSError):
    """Unknown algorithm id, or a key/nonce/block of the wrong size for the algorithm."""


class SignatureError(NTSError):
    """A public-key signature did not verify (or its key/encoding is unusable)."""


class KEError(NTSError):
    """NTS-KE response violates RFC 8915 section 4."""


class KEErrorRecord(KEError):
    """The server sent an Error record (RFC 8915 4.1.3); `code` is its value."""

    def __init__(self, code):
        super().__init__("NTS-KE error record %d" % code)
        self.code = code


class KEWarningRecord(KEError):
    """The server sent a Warning record (RFC 8915 4.1.4); `code` is its value."""

    def __init__(self, code):
        super().__init__("NTS-KE warning record %d" % code)
        self.code = code


class NTPError(NTSError):
    """An NTP response is not a valid answer to our request."""


class TLSError(NTSError):
    """TLS 1.3 handshake or record-layer failure."""


class TLSAlert(TLSError):
    """The peer sent an alert; `description` is the RFC 8446 6.2 code."""

    def __init__(self, level, description):
        super().__init__("TLS alert %d/%d" % (level, description))
        self.level = level
        self.description = description


class CertError(TLSError):
    """The server certificate chain is not acceptable; `reason` is one of REASONS."""

    REASONS = ("malformed", "unsupported_algorithm", "unknown_critical", "untrusted",
               "bad_signature", "name_mismatch", "not_ca", "bad_usage", "path_too_long",
               "expired", "not_yet_valid")

    def __init__(self, message, reason="malformed"):
        super().__init__("%s: %s" % (reason, message))
        self.reason = reason


class NetError(NTSError):
    """Connection refused, reset, or the peer took too long."""


class ConfigError(NTSError):
    """Invalid configuration; `field` names the offending setting."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field


class StateError(NTSError):
    """Persisted state is missing, corrupt or from another configuration."""


class ClockError(NTSError):
    """A clock cannot represent or accept a time, or its hardware did not answer."""
