"""Host bench: what signed responses (nts.signed, issue 12) add per exchange, on the wire
and on a board's CPU. `nts sync` and `nts sync --signed` (micropython) against one
reference server (host_tests/reference/signing.py), whose events give the sizes it
received and sent.

  bytes.ke_request        the empty 16384 record in the NTS-KE request (nts.ke)
  bytes.ke_response       the 16385 record (KeyId, Length, 65-byte SEC1 point)
  bytes.request           0xFF00 in the NTS request (a 16-byte field; it is authenticated
                          data, so the AEAD output does not grow)
  bytes.reply1            0xFF01 in reply 1 (16 bytes)
  bytes.reply2            reply 2, a whole second datagram: reply 1 + 0xFF02 (KeyId,
                          SigLen, DER signature of 70-72 bytes, padding: 80 bytes)
  bytes.reply1_size       reply 1 of this exchange (the server's 8 cookies, 1 returned)
  extra_bytes.exchange    request + reply 1 + reply 2 growth of one NTP exchange (UDP
                          payload; IP/UDP headers of the second datagram not counted)
  verify_board_ms.<fold|viper>  the whole reply-2 check (prefix, 0xFF02 parse, SHA-256
                          and ECDSA P-256 verify) as an STM32F405 estimate from unix-port
                          instructions (tools/benches/boardtime.py), plain twins / viper
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools", "benches"), os.path.join(ROOT, "firmware")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
import boardtime  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

FIRMWARE = os.path.join(ROOT, "firmware")

_VERIFY_SETUP = """
from nts import signed, slices
from nts.crypto import ec
from test_signed import KEY, REPLY1, SIG, _field
ec._kernel(ec.P256)     # the limb kernel's first use (compiled from source here) is set-up
reply2 = REPLY1 + _field(7, SIG)
"""
_VERIFY_OP = """key_id, sig = signed.parse_signature(REPLY1, reply2)
slices.run(signed.verify_steps(REPLY1, key_id, sig, KEY))"""


def _sync(srv, chain, extra):
    args = [boardtime.MICROPYTHON, "-m", "nts", "sync", "--server", "127.0.0.1:%d" % srv.ke_port,
            "--ca", chain.root_pem_path, "--name", "localhost", "--json"] + extra
    p = subprocess.run(args, cwd=FIRMWARE, env=dict(os.environ, PYTHONPATH=FIRMWARE),
                       capture_output=True, text=True, timeout=120)
    out = json.loads(p.stdout.strip().splitlines()[-1])
    if not out["servers"][0]["authenticated"]:
        raise SystemExit("sync failed: %s" % out["servers"][0]["error"])
    ntp = [i for k, i in srv.events if k == "ntp" and i.get("result") == "ok"]
    return ntp[-1]


def wire():
    from nts import ke
    chain = make_chain(tempfile.mkdtemp(prefix="bench-signed-"), kind="ecdsa", intermediates=1)
    srv = ReferenceServer(*chain.leaves[0], lifetime=300).start()
    try:
        plain = _sync(srv, chain, [])
        signed = _sync(srv, chain, ["--signed"])
    finally:
        srv.stop()
    if plain["signed"] or not signed["signed"]:
        raise SystemExit("the server did not sign exactly the --signed exchange")
    request = signed["size"] - plain["size"]
    reply1 = signed["reply_size"] - plain["reply_size"]
    benchlib.emit("host_signed", "bytes.ke_request",
                  len(ke.build_request((15,), True)) - len(ke.build_request((15,))), "B")
    benchlib.emit("host_signed", "bytes.ke_response", len(srv.signer.public_key_record()), "B")
    benchlib.emit("host_signed", "bytes.request", request, "B")
    benchlib.emit("host_signed", "bytes.reply1", reply1, "B")
    benchlib.emit("host_signed", "bytes.reply2", signed["second_size"], "B")
    benchlib.emit("host_signed", "bytes.reply1_size", signed["reply_size"], "B")
    benchlib.emit("host_signed", "extra_bytes.exchange", request + reply1 + signed["second_size"], "B")


def cpu():
    for field, viper in (("fold", "0"), ("viper", "1")):
        i = boardtime.instructions(_VERIFY_SETUP, _VERIFY_OP, 2, {"NTS_VIPER": viper})
        benchlib.emit("host_signed", "verify_board_ms.%s" % field, boardtime.board_ms(i), "ms")


def main():
    wire()
    cpu()


if __name__ == "__main__":
    main()
