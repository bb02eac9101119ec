# ECDSA verification in slices (issue 8 item 2; its own module: test_ec fills the 100 KB
# .mpy-bundle heap): it yields to the loop (nts.slices) between slices of its
# double-scalar multiplication, on both curves and both paths (the limb kernels when
# viper is on, the big-integer twin otherwise).
from nts.crypto import ec, hashes
from stepcount import yields
from support import h, vectors


def test_verification_runs_inyields():
    counts = {}
    for case in vectors("ecdsa"):
        if case["valid"] and case["curve"] not in counts:
            counts[case["curve"]] = yields(ec.ecdsa_verify_steps(
                case["curve"], h(case["pub"]), hashes.digest(case["hash"], h(case["msg"])),
                h(case["sig"])))
    assert counts["p256"] >= 10 and counts["p384"] > counts["p256"], counts
