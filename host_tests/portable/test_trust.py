# Trust groups in chain validation: a chain is trusted only through its server's group,
# an empty group is a configuration error, over-long chains are refused.
import gc

# On the 100 KB heap these modules are compiled from source; the compiler's transient
# memory fragments the heap least in this order, collected between the big imports.
from nts.crypto import signature  # noqa: F401
gc.collect()
from nts.tls import x509  # noqa: F401, E402
gc.collect()
from nts.tls import trust  # noqa: E402
gc.collect()
from nts.errors import CertError, ConfigError  # noqa: E402
from support import raises, vectors  # noqa: E402
from x509_vectors import by_id  # noqa: E402
gc.collect()


def load(case):
    """(chain DER list, TrustStore with group "g") for a chain case."""
    der = by_id(case["chain"] + case["anchors"])
    st = trust.TrustStore()
    for a in case["anchors"]:
        st.add("g", der[a])
    return [der[i] for i in case["chain"]], st


def _case(name):
    for case in vectors("x509_chains"):
        if case["name"] == name:
            return case
    raise AssertionError("vector %s missing" % name)


def test_group_isolation_and_empty_group():
    # A chain is trusted only through the group configured for its server.
    case = _case("rsa_1_intermediate")
    chain, _ = load(case)
    other = _case("le_shape")
    st = trust.TrustStore()
    st.add("local", by_id(other["anchors"])[other["anchors"][0]])
    st.add("legalTimeCA", by_id(case["anchors"])[case["anchors"][0]])
    policy = trust.CertTimePolicy(case["now"])
    trust.verify_chain(chain, "localhost", st, "legalTimeCA", policy)
    e = raises(CertError, trust.verify_chain, chain, "localhost", st, "local", policy)
    assert e.reason == "untrusted"
    raises(ConfigError, trust.verify_chain, chain, "localhost", st, "missing", policy)
    assert raises(CertError, trust.verify_chain, [], "x", st, "local", policy).reason \
        == "untrusted"
    e = raises(CertError, trust.verify_chain, chain * 5, "localhost", st, "legalTimeCA", policy)
    assert e.reason == "path_too_long"
