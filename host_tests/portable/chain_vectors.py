# Runs the x509 chain vectors (host_tests/vectorgen/_x509_build.py) through
# nts.tls.trust.verify_chain; shared by the test_trust* modules.
import gc

from nts import slices
from nts.errors import CertError
from nts.tls import trust
from support import hx, vectors
from x509_vectors import by_id


def _verify_chain(*args, **kwargs):
    return slices.run(trust.verify_chain_steps(*args, **kwargs))


def have_ec():
    try:
        from nts.crypto import ec  # noqa: F401  (an RSA-only build leaves it out)
    except ImportError:
        return False
    return True


def load(case):
    """(chain DER list, TrustStore with group "g") for a chain case."""
    der = by_id(case["chain"] + case["anchors"])
    st = trust.TrustStore()
    for a in case["anchors"]:
        st.add("g", der[a])
    return [der[i] for i in case["chain"]], st


def case(name):
    for c in vectors("x509_chains"):
        if c["name"] == name:
            return c
    raise AssertionError("vector %s missing" % name)


def key_json(key):
    if key[0] == "ec":
        return ["ec", key[1], hx(key[2])]
    return [key[0], "%x" % key[1], key[2]]


def run_case(case):
    policy = trust.CertTimePolicy(case["now"], case["trusted"], case["floor"])
    chain, st = load(case)
    try:
        key = _verify_chain(chain, case["host"], st, "g", policy)
    except CertError as e:
        assert e.reason in CertError.REASONS, e.reason
        assert case["expect"] == e.reason, "%s: got %s (%s)" % (case["name"], e.reason, e)
        return
    assert case["expect"] == "ok", "%s: accepted, expected %s" % (case["name"], case["expect"])
    assert key_json(key) == case["leaf_key"], case["name"]


def run_vectors(need_ec, max_rsa_bits=4096):
    """Run the ECDSA or the RSA cases; max_rsa_bits=2048 leaves out the RSA-4096-rooted
    (Let's-Encrypt-shaped) ones. Returns how many ran."""
    # The signature code first, while the heap is whole: loaded lazily by the first
    # verify, as .mpy it would need its blocks between the vectors' parsed certificates.
    from nts.crypto import sha512, signature  # noqa: F401
    n = 0
    for c in vectors("x509_chains"):
        if max_rsa_bits < 4096 and c["name"].startswith("le_shape"):
            continue
        if (c["needs"] == "ec") != need_ec:
            continue
        gc.collect()
        run_case(c)
        n += 1
    assert n > 0
    return n
