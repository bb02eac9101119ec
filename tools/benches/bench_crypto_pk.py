# Public-key crypto and SHA-512: milliseconds per X25519 (keypair, shared secret), P-256
# ECDH, P-256/P-384 ECDSA verify, RSA-2048/3072/4096 PKCS#1 v1.5 and PSS verify (SHA-256),
# and SHA-512 per KB (pure Python, and hashlib where it has it). On MicroPython also the
# live heap each module costs once imported. Keys and signatures come from the host
# vectors (build/vectors, `make vectors`). HOST figures: see tools/bench.py for scaling.
import sys

sys.path.insert(0, "tools/benches")
sys.path.insert(0, "host_tests/portable")
import benchlib  # noqa: E402
from benchlib import emit, live_heap, us_per_op  # noqa: E402


def _ms(fn):
    # Best of three means: the shared build machine's load only ever adds time.
    return min(us_per_op(fn, min_us=150000, max_n=1000) for _ in range(3)) / 1000


def module_heap():
    # Import cost of each module (code objects + constant tables), one after another, so
    # each figure is that module alone (hashes includes nts.errors, imported first there).
    for name in ("sha512", "hashes", "rsa", "signature", "x25519", "ec_tables", "ec"):
        base = live_heap()
        __import__("nts.crypto." + name)
        emit("crypto_pk", "import_heap.%s" % name, live_heap() - base, "B")


def main():
    if benchlib.MICROPYTHON:
        module_heap()
    from support import h, vectors
    from nts import slices
    from nts.crypto import ec, hashes, rsa, sha512, x25519
    run = slices.run

    field = "fold" if x25519._field is None else "viper"  # the limb kernel where viper is on
    emit("crypto_pk", "x25519_keypair." + field, _ms(lambda: run(x25519.keypair_steps())), "ms")
    a_priv, a_pub = run(x25519.keypair_steps())
    b_priv, b_pub = run(x25519.keypair_steps())
    emit("crypto_pk", "x25519_shared." + field,
         _ms(lambda: run(x25519.shared_steps(a_priv, b_pub))), "ms")

    emit("crypto_pk", "p256_ecdh_keypair.wnaf5", _ms(lambda: run(ec.p256_keypair_steps())), "ms")
    c_priv, c_pub = run(ec.p256_keypair_steps())
    emit("crypto_pk", "p256_ecdh_shared.wnaf5",
         _ms(lambda: run(ec.p256_shared_steps(c_priv, c_pub))), "ms")

    done = set()
    for case in vectors("ecdsa"):
        tag = case["curve"] + "_" + case["hash"]
        if not case["valid"] or tag in done or tag not in ("p256_sha256", "p384_sha384"):
            continue
        done.add(tag)
        pub, sig = h(case["pub"]), h(case["sig"])
        digest = hashes.digest(case["hash"], h(case["msg"]))
        emit("crypto_pk", "%s_ecdsa_verify.wnaf" % case["curve"],
             _ms(lambda: run(ec.ecdsa_verify_steps(case["curve"], pub, digest, sig))), "ms")

    done = set()
    for case in vectors("rsa_sig"):
        n = int(case["n"], 16)
        bits = (len(case["n"]) * 4 + 7) // 8 * 8
        tag = "rsa%d_%s" % (bits, case["padding"])
        if not case["valid"] or case["hash"] != "sha256" or case["salt_len"] is not None \
                or bits not in (2048, 3072, 4096) or tag in done:
            continue
        done.add(tag)
        digest = hashes.digest("sha256", h(case["msg"]))
        sig = h(case["sig"])
        if case["padding"] == "pkcs1":
            fn = lambda: run(rsa.verify_pkcs1v15_steps(n, case["e"], "sha256", digest, sig))  # noqa: E731,E501
        else:
            fn = lambda: run(rsa.verify_pss_steps(n, case["e"], "sha256", digest, sig))  # noqa: E731
        emit("crypto_pk", "%s_verify.chunks" % tag, _ms(fn), "ms")

    kb = bytes(range(256)) * 4
    emit("crypto_pk", "sha512_1KB.python", _ms(lambda: sha512.pure_sha512(kb).digest()), "ms")
    if sha512.sha512 is not sha512.pure_sha512:
        emit("crypto_pk", "sha512_1KB.hashlib", _ms(lambda: sha512.sha512(kb).digest()), "ms")


main()
