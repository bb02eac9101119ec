# Trust groups in chain validation: a chain is trusted only through its server's group,
# an empty group is a configuration error, over-long chains are refused; the PTB
# legal-time servers' chain shape verifies.
from chain_vectors import case, load
from nts import slices
from nts.errors import CertError, ConfigError
from nts.tls import MAX_CHAIN, trust
from support import raises
from x509_vectors import by_id


def _verify_chain(*args, **kwargs):
    return slices.run(trust.verify_chain_steps(*args, **kwargs))


def test_group_isolation_and_empty_group():
    # A chain is trusted only through the group configured for its server.
    good = case("rsa_1_intermediate")
    chain, _ = load(good)
    other = case("le_shape")
    st = trust.TrustStore()
    st.add("local", by_id(other["anchors"])[other["anchors"][0]])
    st.add("legalTimeCA", by_id(good["anchors"])[good["anchors"][0]])
    policy = trust.CertTimePolicy(good["now"])
    _verify_chain(chain, "localhost", st, "legalTimeCA", policy)
    e = raises(CertError, _verify_chain, chain, "localhost", st, "local", policy)
    assert e.reason == "untrusted"
    raises(ConfigError, _verify_chain, chain, "localhost", st, "missing", policy)
    assert raises(CertError, _verify_chain, [], "x", st, "local", policy).reason \
        == "untrusted"
    # nts.tls.MAX_CHAIN, the limit tls.messages applies to the Certificate message too.
    longer = (chain * MAX_CHAIN)[:MAX_CHAIN + 1]
    e = raises(CertError, _verify_chain, longer, "localhost", st, "legalTimeCA", policy)
    assert e.reason == "path_too_long"


def test_le_shape_chain():
    # RSA-3072 leaf, RSA-2048 intermediate, RSA-4096 root: the PTB servers' shape
    # (Let's Encrypt, ISRG Root X1 as the anchor).
    le = case("le_shape")
    chain, st = load(le)
    key = _verify_chain(chain, "ptbtime1.ptb.de", st, "g", trust.CertTimePolicy(le["now"]))
    assert key[0] == "rsa" and key[1] >> 3071 == 1  # 3072-bit modulus
    anchor = st.anchors("g")[0]
    assert anchor.common_name() == "ISRG Root X1" and anchor.der is None


def test_chain_verification_runs_in_slices():
    # Issue 8 item 2: chain validation yields between (and inside) its signature checks
    # (nts.slices): the PTB shape's two RSA verifications, by its RSA-2048 intermediate
    # (at least 9 slices for e = 65537) and by its RSA-4096 root (at least 34).
    le = case("le_shape")
    chain, st = load(le)
    steps = trust.verify_chain_steps(chain, "ptbtime1.ptb.de", st, "g",
                                     trust.CertTimePolicy(le["now"]))
    n = 0
    while True:
        try:
            next(steps)
        except StopIteration as e:
            key = e.value
            break
        n += 1
    assert key[0] == "rsa" and n >= 9 + 34, n
