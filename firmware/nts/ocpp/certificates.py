# OCPP certificate handlers for time root CAs (nts.ocpp.certstore): InstallCertificate,
# GetInstalledCertificateIds, DeleteCertificate, for 1.6 (security extension) and 2.0.1
# (`ocpp` = "1.6" or "2.0.1": the response shapes differ only in statusInfo).
#
# Vendor extension (the white paper's; the official schemas know neither): certificate
# use "NetworkTimeRootCertificate" and an optional `certificateGroup` (<= 50 characters,
# the RootCAs group; absent = "default"), PEM up to 11000 characters. A strict 2.0.1 peer
# may send both inside `customData` (any vendorId): {"certificateType":
# "NetworkTimeRootCertificate", "certificateGroup": "legalTimeCA"}, overriding the
# top-level certificateType its schema forces. The extended schemas are in
# host_tests/cpython/schemas/ (README there).
#
# A request for another certificate use returns None: not ours, the charger's own stack
# answers it. DeleteCertificate answers NotFound for hashes not in the time store, so
# the stack can try its own.
from nts.errors import CertError
from nts.ocpp.certstore import DEFAULT_GROUP

TIME_ROOT = "NetworkTimeRootCertificate"
VENDOR_ID = "mpnts"
# CertError reasons as statusInfo reasonCodes (at most 20 characters).
REASON_CODES = {"malformed": "InvalidCertificate", "not_ca": "NotCA",
                "bad_usage": "NoKeyCertSign", "expired": "Expired",
                "not_yet_valid": "NotYetValid", "unsupported_algorithm": "UnsupportedKey",
                "unknown_critical": "UnknownCritical"}


def _time_use(req):
    custom = req.get("customData") or {}
    return TIME_ROOT in (req.get("certificateType"), custom.get("certificateType"))


def _group(req):
    custom = req.get("customData") or {}
    return req.get("certificateGroup", custom.get("certificateGroup", DEFAULT_GROUP))


def _status(ocpp, status, code="", info=""):
    out = {"status": status}
    if ocpp != "1.6" and code:
        out["statusInfo"] = {"reasonCode": code[:20]}
        if info:
            out["statusInfo"]["additionalInfo"] = info[:512]
    return out


def install_certificate(store, req, ocpp="2.0.1"):
    """InstallCertificate request -> response, or None when it is not a time root."""
    if not _time_use(req):
        return None
    try:
        store.install(req.get("certificate"), _group(req))
    except CertError as e:
        return _status(ocpp, "Rejected", REASON_CODES.get(e.reason, "InvalidCertificate"),
                       str(e))
    except OSError as e:
        return _status(ocpp, "Failed", "WriteFailed", str(e))
    return _status(ocpp, "Accepted")


def get_installed_certificate_ids(store, req, ocpp="2.0.1"):
    """GetInstalledCertificateIds request -> response with the time roots, or None when
    the request asks only for other uses. 2.0.1: an absent certificateType means all
    uses, so the caller merges these with its stack's own."""
    from nts.ocpp.certstore import hash_data
    types = req.get("certificateType")
    if ocpp == "1.6":
        if types != TIME_ROOT:
            return None
    elif types is not None and TIME_ROOT not in types:
        return None
    found = []
    for group, _, data in store.certificates():
        h = hash_data(data)
        if ocpp == "1.6":
            found.append(h)
        else:
            found.append({"certificateType": TIME_ROOT, "certificateHashData": h,
                          "customData": {"vendorId": VENDOR_ID, "certificateGroup": group}})
    if not found:
        return {"status": "NotFound"}
    key = "certificateHashData" if ocpp == "1.6" else "certificateHashDataChain"
    return {"status": "Accepted", key: found}


def delete_certificate(store, req, ocpp="2.0.1"):
    """DeleteCertificate request -> response (NotFound: not a time root we hold)."""
    return _status(ocpp, store.delete(req["certificateHashData"]))


def trust_store(ca_dir):
    """The engine's TrustStore from the store's CA_DIR (nts.service.trust_store), at start
    and after every CertStore change (the next key exchange uses the new anchors; running
    NTS sessions are kept until then). An empty one once the last certificate is
    deleted: nothing is trusted, where nts.service refuses to start."""
    from nts.errors import ConfigError
    from nts.service import trust_store as load
    try:
        return load(ca_dir)
    except ConfigError:
        from nts.tls.trust import TrustStore
        return TrustStore()
