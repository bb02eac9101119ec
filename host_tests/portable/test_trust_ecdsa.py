# The ECDSA chain vectors (P-256, P-384, mixed curves, P-256 keys signing with SHA-384):
# certificate signatures checked with the issuer key's curve and the algorithm's hash.
import gc

from support import SkipTest


def test_chain_vectors_ecdsa():
    # x509, trust, the RSA/hash stack and nts.crypto.ec compiled from source need about
    # 140 KB of the unix port's heap (frozen on a board, their code needs ~none), so
    # the 100 KB small-heap run skips this module.
    gc.collect()
    if hasattr(gc, "mem_free") and gc.mem_alloc() + gc.mem_free() < 150000:
        raise SkipTest("ECDSA chain stack does not fit a source-compiled 100 KB heap")
    from chain_vectors import have_ec, run_vectors
    if not have_ec():
        raise SkipTest("nts.crypto.ec not in this build")
    run_vectors(True)
