# The PTB legal-time servers' chain shape (Let's Encrypt: RSA-3072 leaf, RSA-2048
# intermediate, RSA-4096 ISRG-Root-X1-like anchor), alone in its own process so the
# 100 KB small-heap run proves it verifies on an ESP32-sized heap.
import gc

# On the 100 KB heap these modules are compiled from source; the compiler's transient
# memory fragments the heap least in this order, collected between the big imports.
from nts.crypto import signature  # noqa: F401
gc.collect()
from nts.tls import x509  # noqa: F401, E402
gc.collect()
from nts.tls import trust  # noqa: E402
gc.collect()
from support import vectors  # noqa: E402
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


def test_le_shape_chain_small_heap():
    # RSA-3072 leaf, RSA-2048 intermediate, RSA-4096 root: the PTB servers' shape. The
    # small-heap run of this module proves it verifies on an ESP32-sized heap.
    case = _case("le_shape")
    chain, st = load(case)
    key = trust.verify_chain(chain, "ptbtime1.ptb.de", st, "g", trust.CertTimePolicy(case["now"]))
    assert key[0] == "rsa" and key[1] >> 3071 == 1  # 3072-bit modulus
    anchor = st.anchors("g")[0]
    assert anchor.common_name() == "ISRG Root X1" and anchor.der is None
