"""The fault switches of the reference server. A fault set is a plain dict; unknown names
raise at once so a typo in a test cannot silently test the happy path.

Key exchange (one NTS-KE connection):
  alpn           None | "none" (no ALPN in the handshake) | "wrong" (selects http/1.1)
                 | "reject" (fatal no_application_protocol alert)
  tls12          True: the server speaks TLS 1.2 at most
  stall_after_server_hello  True: send the ServerHello record, then nothing
  ke_close       True: close right after the handshake, no response
  ke_delay       seconds to wait before answering
  ke_error       int: answer with an Error record carrying this code
  ke_warning     int: add a Warning record carrying this code
  unknown_critical / unknown_noncritical   True: add an unknown record with / without C
  cookies        int: how many New Cookie records (default 8; 0 = none)
  cookie_size    int: pad every cookie to this many bytes (257 = oversized)
  server_name    str: add a Server Negotiation record
  port           int: add a Port Negotiation record (default: the real port if not 123)
  negotiation_critical  bool: C bit on Server/Port Negotiation (default True, as servers do)
  aead           int: choose this AEAD whatever the client offered
  gcm_siv        "chrony44" (default: echo record 1024 and use the compliant context only
                 when the client sent 1024) | "rfc" (ignore 1024, compliant context)
                 | "chrony43" (ignore 1024, AEAD 15 context with GCM-SIV keys)
  next_protocol  list of ints for the Next Protocol record
  duplicate_aead True: send the AEAD record twice
  no_end         True: close without End of Message

NTP (one request):
  drop           True: no reply          delay   seconds before the reply
  lie            seconds added to the server's clock (also per server: --lie)
  bad_tag        True: corrupt the authenticator's ciphertext
  wrong_uid      True: answer with another Unique Identifier
  nak            True: NTS NAK (KoD NTSN, unauthenticated, as RFC 8915 5.7)
  kod            b"RATE" | b"DENY" | b"RSTR": authenticated Kiss-o'-Death
  no_cookies     True: authenticated reply without new cookies
  no_auth        True: reply without an authenticator
  plain_cookie   True: put a new cookie outside the encrypted part
  wrong_origin   True: origin timestamp not equal to the request's transmit timestamp
  duplicate      True: send the reply twice
  plain_ntp      True: also answer plain NTPv4 client requests (48 bytes, no extension
                 fields) unauthenticated, as chrony and NTPsec do; default False: the
                 reference server ignores them
  signed         signed responses (signing.py): None (as Norn) | "off" (as chrony: ignore
                 16384 and 0xFF00) | "never" | "non_prefix" | "bad_signature"
                 | "wrong_key_id" | "announce_81" | "late"; read at key exchange too
                 ("off")
"""

KE_DEFAULTS = {
    "alpn": None, "tls12": False, "stall_after_server_hello": False, "ke_close": False,
    "ke_delay": 0.0, "ke_error": None, "ke_warning": None, "unknown_critical": False,
    "unknown_noncritical": False, "cookies": 8, "cookie_size": None, "server_name": None,
    "port": None, "negotiation_critical": True, "aead": None, "gcm_siv": "chrony44",
    "next_protocol": None, "duplicate_aead": False, "no_end": False,
}

NTP_DEFAULTS = {
    "drop": False, "delay": 0.0, "lie": 0.0, "bad_tag": False, "wrong_uid": False,
    "nak": False, "kod": None, "no_cookies": False, "no_auth": False, "plain_cookie": False,
    "wrong_origin": False, "duplicate": False, "plain_ntp": False, "signed": None,
}

DEFAULTS = dict(KE_DEFAULTS)
DEFAULTS.update(NTP_DEFAULTS)

GCM_SIV_MODES = ("chrony44", "rfc", "chrony43")
ALPN_MODES = (None, "none", "wrong", "reject")
SIGNED_MODES = (None, "off", "never", "non_prefix", "bad_signature", "wrong_key_id",
                "announce_81", "late")


def check(faults):
    """Validate fault names and the enumerated values; return a plain dict copy."""
    out = dict(faults)
    for name in out:
        if name not in DEFAULTS:
            raise ValueError("unknown fault %r" % name)
    if out.get("gcm_siv", "chrony44") not in GCM_SIV_MODES:
        raise ValueError("gcm_siv must be one of %s" % (GCM_SIV_MODES,))
    if out.get("alpn") not in ALPN_MODES:
        raise ValueError("alpn must be one of %s" % (ALPN_MODES,))
    if out.get("signed") not in SIGNED_MODES:
        raise ValueError("signed must be one of %s" % (SIGNED_MODES,))
    kod = out.get("kod")
    if kod is not None and (not isinstance(kod, bytes) or len(kod) != 4):
        raise ValueError("kod must be 4 ASCII bytes")
    return out
