# Signed responses (nts.signed, issue 12): milliseconds to check reply 2 (the prefix and
# 0xFF02 parse, then ECDSA P-256 SHA-256 over reply 1: what a signed exchange
# adds to the client's CPU work; the reply is test_signed's 132-byte one: SHA-256 of a
# 1 KB reply is hashlib's, a small fraction of the curve work), the longest slice of that verification, and on
# MicroPython the live heap nts.signed costs once imported. The board estimate is from
# instruction counts (tools/benches/boardtime.py; run that module's `instructions`).
import sys

sys.path.insert(0, "tools/benches")
sys.path.insert(0, "host_tests/portable")
import benchlib  # noqa: E402
from benchlib import emit, live_heap, us_per_op  # noqa: E402



def main():
    if benchlib.MICROPYTHON:
        from nts import ntp  # noqa: F401  (the engine has it loaded already)
        base = live_heap()
        from nts import signed  # noqa: F401
        emit("signed", "import_heap.signed", live_heap() - base, "B")
    from nts import signed, slices
    from test_signed import KEY, REPLY1, SIG, _field
    reply2 = REPLY1 + _field(7, SIG)

    def check():
        key_id, sig = signed.parse_signature(REPLY1, reply2)
        slices.run(signed.verify_steps(REPLY1, key_id, sig, KEY))
    emit("signed", "verify_reply2.p256", min(us_per_op(check, 150000, 200) for _ in range(3))
         / 1000, "ms")
    emit("signed", "parse_reply2", us_per_op(lambda: signed.parse_signature(REPLY1, reply2))
         / 1000, "ms")


if __name__ == "__main__":
    main()
