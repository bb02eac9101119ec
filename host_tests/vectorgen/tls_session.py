"""Whole TLS 1.3 sessions between mpnts's client and OpenSSL (pyOpenSSL, memory BIOs, no
network), recorded so the portable tests can replay the server side under MicroPython.

The client's randomness is fixed (X25519 key, random, session id), so the client
reproduces its ClientHello byte for byte and the recorded server flight stays valid for
it. The certificates come from host_tests/certs.py with fixed keys and a fixed date. The
server's own randomness (its key share, PSS salts) is OpenSSL's: regenerated files
differ, each is self-consistent. OpenSSL also reports its exporter output, which the
replay must reproduce.
"""
import hashlib
import os
import sys
import tempfile

from OpenSSL import SSL

from host_tests.certs import make_chain

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOW = 1767225600                    # 2026-01-01T00:00:00Z: the chains are valid then
EXPORTER_LABEL = b"EXPORTER-network-time-security"
EXPORTER_CONTEXT = b"\x00\x00\x00\x0f\x00"
REQUEST = b"ping: an NTS-KE request would go here"
RESPONSE = b"pong: and its response here"


def _fixed(tag):
    return hashlib.sha256(b"mpnts tls_session " + tag).digest()


def _session(kind, tmpdir, retry=False):
    """retry: the server allows only secp256r1, so it answers our X25519 share with a
    HelloRetryRequest and the client's P-256 key (fixed here too) is used."""
    if os.path.join(ROOT, "firmware") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from nts import slices
    from nts.crypto import ec, x25519
    from nts.tls import client as tls_client

    chain = make_chain(tmpdir, kind=kind, now=NOW, intermediates=1)
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    if retry:
        from OpenSSL import crypto
        ctx.set_tmp_ecdh(crypto.get_elliptic_curve("prime256v1"))
    ctx.set_min_proto_version(SSL.TLS1_3_VERSION)
    ctx.use_certificate_chain_file(chain.chain_pem_path)
    ctx.use_privatekey_file(chain.leaf_key_pem_path)
    ctx.set_alpn_select_callback(lambda conn, protos: b"ntske/1")
    server = SSL.Connection(ctx, None)
    server.set_accept_state()

    private = _fixed(b"x25519 " + kind.encode())
    randoms = [_fixed(b"session id"), _fixed(b"random")]
    saved = tls_client.random_bytes, ec.random_bytes
    tls_client.random_bytes = lambda n: randoms.pop(0)
    ec.random_bytes = lambda n: _fixed(b"p256")
    try:
        client = tls_client.TLSClient("localhost", lambda c: None,
                                      key_pair=(private, slices.run(
                                          x25519.shared_steps(private, x25519.BASE_POINT))))
        hello = client.start()
        server.bio_write(hello)
        hello_retry = hello2 = b""
        if retry:
            try:
                server.do_handshake()
            except SSL.WantReadError:
                pass
            hello_retry = server.bio_read(65536)
            hello2 = client.receive(hello_retry)
            if not client.retried:
                raise RuntimeError("recording failed: no HelloRetryRequest")
            server.bio_write(hello2)
    finally:
        tls_client.random_bytes, ec.random_bytes = saved
    try:
        server.do_handshake()
    except SSL.WantReadError:
        pass
    flight = server.bio_read(65536)
    finished = client.receive(flight)
    if not client.handshake_done:
        raise RuntimeError("recording failed: handshake not done")
    request = client.send(REQUEST)
    server.bio_write(finished + request)
    if server.recv(1024) != REQUEST:
        raise RuntimeError("recording failed: server got another request")
    server.send(RESPONSE)
    data = server.bio_read(65536)
    exported = server.export_keying_material(EXPORTER_LABEL, 32, EXPORTER_CONTEXT)
    return {
        "kind": kind, "retry": retry, "hello_retry": hello_retry.hex(),
        "client_hello2": hello2.hex(), "p256_private": _fixed(b"p256").hex(), "now": NOW, "root": chain.root_der.hex(), "private": private.hex(),
        "session_id": _fixed(b"session id").hex(), "random": _fixed(b"random").hex(),
        "client_hello": hello.hex(), "server_flight": flight.hex(),
        "client_finished": finished.hex(), "request_record": request.hex(),
        "server_data": data.hex(), "request": REQUEST.hex(), "response": RESPONSE.hex(),
        "exporter_context": EXPORTER_CONTEXT.hex(), "exporter": exported.hex(),
    }


def cases():
    # "le": the Let's-Encrypt shape (RSA-3072 leaf, RSA-2048 intermediate, RSA-4096
    # root; PTB's legal-time servers), the chain a charger meets most.
    for kind, retry in (("rsa", False), ("ecdsa", False), ("ecdsa", True), ("le", False)):
        with tempfile.TemporaryDirectory() as d:
            yield _session(kind, d, retry)
