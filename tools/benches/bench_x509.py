# Certificate chain cost for the PTB servers' shape (Let's Encrypt: RSA-3072 leaf,
# RSA-2048 intermediate, RSA-4096 ISRG-Root-X1-like anchor), taken from the x509 chain
# vectors (`make vectors`): ms to parse the 3 certificates, ms for the whole
# verify_chain of what the server sends (leaf + intermediate: parse, checks, 2 RSA
# signatures), the live heap the 3 parsed certificates add, and the same verification
# for an ECDSA P-256 chain when nts.crypto.ec exists.
# Run from the repo root under python or micropython.
import gc
import json
import sys

sys.path.insert(0, "tools/benches")
sys.path.insert(0, "host_tests/portable")
import benchlib  # noqa: E402
from benchlib import emit, live_heap, us_per_op  # noqa: E402

from nts import slices  # noqa: E402
from nts.tls import trust, x509  # noqa: E402
from x509_vectors import by_id  # noqa: E402


def _case(name):
    with open("build/vectors/x509_chains.jsonl") as f:
        for line in f:
            if ('"name":"%s"' % name) in line:
                case = json.loads(line)
                der = by_id(case["chain"] + case["anchors"])
                store = trust.TrustStore()
                for a in case["anchors"]:
                    store.add("g", der[a])
                return ([der[i] for i in case["chain"]], case["host"], store, case["now"],
                        [der[i] for i in case["anchors"]])
    raise SystemExit("x509 vectors missing: run `make vectors`")


def _bench_verify(label, name):
    chain, host, store, now, _ = _case(name)
    policy = trust.CertTimePolicy(now)
    emit("x509", label + "_verify", us_per_op(
        lambda: slices.run(trust.verify_chain_steps(chain, host, store, "g", policy)),
        300000, 50) / 1000, "ms")


def main():
    chain, host, store, now, anchors = _case("le_shape")
    all3 = chain + anchors  # leaf, intermediate, root
    emit("x509", "le_chain3_der", sum(len(d) for d in all3), "B")
    emit("x509", "le_chain3_parse", us_per_op(lambda: [x509.parse(d) for d in all3]) / 1000,
         "ms")
    _bench_verify("le_chain", "le_shape")
    if benchlib.MICROPYTHON:
        base = live_heap()
        parsed = [x509.parse(d) for d in all3]
        # The DER itself is already held by the caller (the TLS Certificate message), so
        # this is what parsing adds on top of it.
        emit("x509", "le_chain3_parsed_heap", live_heap() - base, "B")
        del parsed
    try:
        from nts.crypto import ec  # noqa: F401
    except ImportError:
        return
    gc.collect()
    _bench_verify("ecdsa_p256_chain", "ecdsa_p256")


main()
