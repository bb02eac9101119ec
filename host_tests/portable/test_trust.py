# NTS-KE server chain validation (RFC 5280 6, RFC 6125 hostnames, trust groups, the
# time policy), with chains generated on the host (host_tests/vectorgen/_x509_build.py)
# including the Let's-Encrypt shape the PTB servers use (RSA-4096 root).
import gc

# On the 100 KB heap these modules are compiled from source, and the compiler's
# transient memory only fits if the heap is collected between the big imports.
from nts.tls import x509  # noqa: F401
gc.collect()
from nts.crypto import signature  # noqa: F401, E402
gc.collect()
from nts.errors import CertError, ConfigError  # noqa: E402
from nts.tls import trust  # noqa: E402
from support import SkipTest, hx, raises, vectors  # noqa: E402
from x509_vectors import by_id  # noqa: E402


def _have_ec():
    try:
        from nts.crypto import ec  # noqa: F401  (an RSA-only build leaves it out)
    except ImportError:
        return False
    return True


def _load(case):
    """(chain DER list, TrustStore with group "g") for a chain case."""
    der = by_id(case["chain"] + case["anchors"])
    st = trust.TrustStore()
    for a in case["anchors"]:
        st.add("g", der[a])
    return [der[i] for i in case["chain"]], st


def _key_json(key):
    if key[0] == "ec":
        return ["ec", key[1], hx(key[2])]
    return [key[0], "%x" % key[1], key[2]]


def _run_case(case):
    policy = trust.CertTimePolicy(case["now"], case["trusted"], case["floor"])
    chain, st = _load(case)
    try:
        key = trust.verify_chain(chain, case["host"], st, "g", policy)
    except CertError as e:
        assert e.reason in CertError.REASONS, e.reason
        assert case["expect"] == e.reason, "%s: got %s (%s)" % (case["name"], e.reason, e)
        return
    assert case["expect"] == "ok", "%s: accepted, expected %s" % (case["name"], case["expect"])
    assert _key_json(key) == case["leaf_key"], case["name"]


def _run_vectors(need_ec):
    n = 0
    for case in vectors("x509_chains"):
        if (case["needs"] == "ec") == need_ec:
            gc.collect()
            _run_case(case)
            n += 1
    assert n > 0


def test_chain_vectors_rsa():
    _run_vectors(False)


def test_chain_vectors_ecdsa():
    if not _have_ec():
        raise SkipTest("nts.crypto.ec not available yet")
    _run_vectors(True)


def _case(name):
    for case in vectors("x509_chains"):
        if case["name"] == name:
            return case
    raise AssertionError("vector %s missing" % name)


def test_le_shape_chain_small_heap():
    # RSA-3072 leaf, RSA-2048 intermediate, RSA-4096 root: the PTB servers' shape. The
    # small-heap run of this module proves it verifies on an ESP32-sized heap.
    case = _case("le_shape")
    chain, st = _load(case)
    key = trust.verify_chain(chain, "ptbtime1.ptb.de", st, "g", trust.CertTimePolicy(case["now"]))
    assert key[0] == "rsa" and len(bin(key[1])) - 2 == 3072
    anchor = st.anchors("g")[0]
    assert anchor.common_name() == "ISRG Root X1" and anchor.der is None


def test_group_isolation_and_empty_group():
    case = _case("le_shape")
    chain, _ = _load(case)
    other = _case("rsa_1_intermediate")
    st = trust.TrustStore()
    st.add("local", by_id(other["anchors"])[other["anchors"][0]])
    st.add("legalTimeCA", by_id(case["anchors"])[case["anchors"][0]])
    policy = trust.CertTimePolicy(case["now"])
    trust.verify_chain(chain, "ptbtime1.ptb.de", st, "legalTimeCA", policy)
    e = raises(CertError, trust.verify_chain, chain, "ptbtime1.ptb.de", st, "local", policy)
    assert e.reason == "untrusted"
    raises(ConfigError, trust.verify_chain, chain, "ptbtime1.ptb.de", st, "missing", policy)
    assert raises(CertError, trust.verify_chain, [], "x", st, "local", policy).reason \
        == "untrusted"
    e = raises(CertError, trust.verify_chain, chain * 5, "ptbtime1.ptb.de", st, "legalTimeCA",
               policy)
    assert e.reason == "path_too_long"
