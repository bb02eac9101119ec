# RSA chain vectors, half 2 of 2 (every other case, so each half has every kind): good
# shapes, order and extra certificates, names, dates and the time floor, constraints,
# usage, bad signatures; each must give exactly the expected CertError reason (or the
# expected leaf key). Two processes, so each fits the 100 KB heap with a margin.
import gc

# On the 100 KB heap these modules are compiled from source; the compiler's transient
# memory fragments the heap least in this order, collected between the big imports.
from nts.crypto import signature  # noqa: F401
gc.collect()
from nts.tls import x509  # noqa: F401, E402
gc.collect()
from nts.tls import trust  # noqa: E402, F401
gc.collect()
from chain_vectors import run_vectors  # noqa: E402
gc.collect()


def test_chain_vectors_rsa_half2():
    # On the unix port's 100 KB heap (about 65 KB of it taken by the source-compiled
    # modules) the RSA-4096 steps find no free 1 KB block once the heap is fragmented:
    # there the Let's-Encrypt-shaped cases are left to test_trust_le, which verifies that
    # chain in a fresh process, and to the default-heap and CPython runs.
    small = hasattr(gc, "mem_free") and gc.mem_alloc() + gc.mem_free() < 200000
    assert run_vectors(False, 2048 if small else 4096, 1, 2) >= 15
