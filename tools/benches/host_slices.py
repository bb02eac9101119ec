"""Host bench: the CPU slices of a handshake's long computations (nts.slices) as board
estimates. Per operation: its unix-port instructions in all (callgrind; plain twins,
NTS_VIPER=0, unless the name says viper), how many slices it runs in, the first slice (setup included) and the mean
of the others, each converted with tools/benches/boardtime.py's scaling.

  slices.<op>.instructions   unix-port instructions of the whole operation, millions
  slices.<op>.count          slices (yields + 1)
  slices.<op>.board_ms       the whole operation, board estimate
  slices.<op>.first_ms       its first slice, board estimate
  slices.<op>.mean_ms        mean of the other slices, board estimate

and per recorded session (build/vectors/tls_session.jsonl, replayed), plain ("fold")
and viper, as board estimates:

  critical_path.<session>.<field>   ServerHello .. Finished + request sealed, board ms
  deferred.<session>.<field>        the chain and CertificateVerify checks, board ms
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
import boardtime  # noqa: E402

_ENV = {"NTS_VIPER": "0"}

_SETUP = """
from nts import slices
from nts.crypto import ec, hashes, rsa, x25519
from stepcount import yields
from support import h, vectors
# The limb kernels' first use (compile from source, none on a board; the G table) is
# set-up, not part of a verify.
ec._kernel(ec.P256)
ec._kernel(ec.P384)

def _count(steps):
    return yields(steps) + 1

def _ecdsa(curve):
    for case in vectors("ecdsa"):
        if case["valid"] and case["curve"] == curve and case["hash"] == {"p256": "sha256", "p384": "sha384"}[curve]:
            return (curve, h(case["pub"]), hashes.digest(case["hash"], h(case["msg"])), h(case["sig"]))

def _rsa(bits):
    for case in vectors("rsa_sig"):
        if case["valid"] and case["hash"] == "sha256" and case["padding"] == "pkcs1" \\
                and (len(case["n"]) * 4 + 7) // 8 * 8 == bits:
            return (int(case["n"], 16), case["e"], "sha256",
                    hashes.digest("sha256", h(case["msg"])), h(case["sig"]))

K = bytes(range(32))
U = bytes(range(1, 33))
P256 = _ecdsa("p256")
P384 = _ecdsa("p384")
R2048 = _rsa(2048)
R4096 = _rsa(4096)
"""

OPS = (
    ("x25519_shared", "x25519.shared_steps(K, U)"),
    ("x25519_shared_viper", "x25519.shared_steps(K, U)"),
    ("p256_verify", "ec.ecdsa_verify_steps(*P256)"),
    ("p256_verify_viper", "ec.ecdsa_verify_steps(*P256)"),
    ("p384_verify", "ec.ecdsa_verify_steps(*P384)"),
    ("p384_verify_viper", "ec.ecdsa_verify_steps(*P384)"),
    ("p256_keypair", "ec.p256_keypair_steps()"),
    ("p256_keypair_viper", "ec.p256_keypair_steps()"),
    ("rsa2048_verify", "rsa.verify_pkcs1v15_steps(*R2048)"),
    ("rsa4096_verify", "rsa.verify_pkcs1v15_steps(*R4096)"),
)


def _env(name):
    return {"NTS_VIPER": "1"} if name.endswith("_viper") else _ENV


def _slices(make, env):
    # How many slices: counted by the unix port itself, without callgrind.
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("import sys\nsys.path.insert(0, 'firmware')\nsys.path.insert(0, 'host_tests/portable')\n"
                + _SETUP + "\nprint(_count(%s))\n" % make)
    try:
        out = subprocess.run([boardtime.MICROPYTHON, f.name], cwd=ROOT, capture_output=True,
                             text=True, env=dict(os.environ, **env), timeout=300)
        return int(out.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(f.name)


_SESSION_SETUP = """
import json
from binascii import unhexlify as h
from nts import slices
from nts.crypto import ec, x25519
from nts.tls import client as tls_client
from nts.tls import trust
ec._kernel(ec.P256)     # first use, as above
for line in open("build/vectors/tls_session.jsonl"):
    case = json.loads(line)
    if case["kind"] == %r and case["retry"] == %r:
        break
private = h(case["private"])
key_pair = (private, slices.run(x25519.shared_steps(private, x25519.BASE_POINT)))
flight, request, data = h(case["server_flight"]), h(case["request"]), h(case["server_data"])
store = trust.TrustStore()
store.add("t", h(case["root"]))
policy = trust.CertTimePolicy(case["now"])

def verify(chain):
    return trust.verify_chain_steps(chain, "localhost", store, "t", policy)

def client(retry=False):
    randoms = [h(case["session_id"]), h(case["random"])]
    tls_client.random_bytes = lambda n: randoms.pop(0)
    c = tls_client.TLSClient("localhost", verify, key_pair)
    c.start()
    if retry:
        ec.random_bytes = lambda n: h(case["p256_private"])
        c.receive(h(case["hello_retry"]))
    return c
"""
# The recorded sessions (host_tests/vectorgen/tls_session.py): RSA-2048 throughout,
# ECDSA P-256, ECDSA after a HelloRetryRequest (P-256 ECDH on the path), and the
# Let's-Encrypt / PTB shape (RSA-3072 leaf, RSA-2048 intermediate, RSA-4096 root).
SESSIONS = (("rsa", "rsa", False), ("ecdsa", "ecdsa", False), ("ecdsa_hrr", "ecdsa", True),
            ("le", "le", False))


def critical_paths():
    """critical_path.<session>.<fold|viper>: ServerHello (or HelloRetryRequest) in ..
    Finished and request out; deferred.<session>.<fold|viper>: the chain and
    CertificateVerify checks after that (authenticate_steps), board ms."""
    for name, kind, retry in SESSIONS:
        setup = _SESSION_SETUP % (kind, retry)
        for field, env in (("fold", _ENV), ("viper", {"NTS_VIPER": "1"})):
            start = boardtime.instructions(setup, "client()", 2, env)
            sent = boardtime.instructions(
                setup, "c = client(%r)\nc.receive(flight)\nc.send(request)" % retry, 2, env)
            done = boardtime.instructions(
                setup, "c = client(%r)\nc.receive(flight)\nc.send(request)\nc.receive(data)\n"
                "slices.run(c.authenticate_steps())" % retry, 2, env)
            benchlib.emit("host_slices", "critical_path.%s.%s" % (name, field),
                          boardtime.board_ms(sent - start), "ms")
            benchlib.emit("host_slices", "deferred.%s.%s" % (name, field),
                          boardtime.board_ms(done - sent), "ms")


def main():
    for name, make in OPS:
        env = _env(name)
        count = _slices(make, env)
        whole = boardtime.instructions(_SETUP, "slices.run(%s)" % make, 2, env)
        first = boardtime.instructions(_SETUP, "next(%s)" % make, 2, env)
        rest = (whole - first) / max(1, count - 1)
        benchlib.emit("host_slices", "slices.%s.instructions" % name, whole / 1e6, "M")
        benchlib.emit("host_slices", "slices.%s.count" % name, count, "")
        benchlib.emit("host_slices", "slices.%s.board_ms" % name, boardtime.board_ms(whole), "ms")
        benchlib.emit("host_slices", "slices.%s.first_ms" % name, boardtime.board_ms(first), "ms")
        benchlib.emit("host_slices", "slices.%s.mean_ms" % name, boardtime.board_ms(rest), "ms")
    critical_paths()


main()
