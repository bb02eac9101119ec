# Sessions keyed while the clock could not be trusted (issue 9; nts.engine decides when
# that is): their certificate dates were not compared with the clock, only with the
# floor. What a verified chain leaves behind is a state.CertRecord (validity window of
# every certificate checked, the leaf's SHA-256), kept with the session and persisted;
# once the clock is trusted, recheck() holds each unchecked record against it and drops
# the sessions whose certificates are not valid now: the next round key-exchanges
# again, this time with the dates checked. Loaded only when there is something to do.
from nts.policy import LOG_SECURITY
from nts.state import CertRecord
from nts.timescale import NS_PER_S


def record(cert_policy):
    """The CertRecord of a chain that cert_policy (trust.CertTimePolicy) let through."""
    return CertRecord(cert_policy.not_before, cert_policy.not_after, cert_policy.leaf_sha256,
                      cert_policy.trusted)


def recheck(peers, now_s, emit):
    """Check every session with an unchecked CertRecord against the trusted time now_s;
    drop the invalid ones (a CertificateRejected event each, through emit). Returns the
    dropped peers (the engine forgets their cookies on flash)."""
    from rtc.civil import iso_utc
    dropped = []
    for p in peers:
        c = p.cert
        if c is None or c.checked:
            continue
        if c.valid_at(now_s):
            c.checked = True
            continue
        p.assoc = None
        p.cert = None
        p.samples = []
        p.ke_due = 0.0
        p.failed("certificate not valid at %s (valid %s to %s): key exchange again"
                 % (iso_utc(now_s), iso_utc(c.not_before), iso_utc(c.not_after)),
                 "cert-rejected")
        emit([{"event": "CertificateRejected", "log": LOG_SECURITY, "subject": p.name,
               "time_ns": now_s * NS_PER_S, "reason": p.last_error,
               "not_before": c.not_before, "not_after": c.not_after}])
        dropped.append(p)
    return dropped
