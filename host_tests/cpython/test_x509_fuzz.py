"""Fuzzing the DER reader, x509.parse and verify_chain (hypothesis, 10,000 examples each).

Only ParseError / CertError may escape (never IndexError, ValueError, RecursionError,
TypeError...), and every input finishes quickly. Mutations start from real certificates
of every shape the factory makes (RSA, PSS, ECDSA, LE-shaped), so they reach deep fields.
"""
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from host_tests.certs import make_chain
from nts import slices
from nts.errors import CertError, ParseError
from nts.tls import der, trust, x509
from nts.wire import Reader


def _verify_chain(*args, **kwargs):
    return slices.run(trust.verify_chain_steps(*args, **kwargs))

NOW = 1790000000
SETTINGS = settings(max_examples=10000, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _chains():
    d = tempfile.mkdtemp()
    return [make_chain(d, now=NOW, **kw) for kw in (
        dict(kind="rsa"), dict(kind="le", hostname="ptbtime1.ptb.de"),
        dict(kind="ecdsa", ca_curve="p384"), dict(kind="rsa", pss=True, hash="sha384"),
        dict(kind="rsa", unknown_critical=True, dns_names=["*.nts.example"]))]


CHAINS = _chains()
SEEDS = [d for c in CHAINS for d in c.chain_der + [c.root_der]]


def _walk(r, depth=0):
    """Read every element of r with the DER primitives, recursing into constructed ones."""
    while not r.at_end():
        start = r.pos
        tag, body = der.tlv(r)
        if tag & 0x20 and depth < 40:
            _walk(body, depth + 1)
            continue
        for fn in (der.integer, der.oid, der.utc_time, der.boolean, der.named_bits,
                   der.bit_string, der.null, der.octets):
            try:
                fn(Reader(r.buf, start, body.end))
            except ParseError:
                pass


@st.composite
def mutated(draw, seeds=SEEDS):
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 4))
        pos = draw(st.integers(0, len(data)))
        if op == 0 and pos < len(data):      # change one byte
            data[pos] = draw(st.integers(0, 255))
        elif op == 1:                        # insert bytes
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == 2:                        # delete a run
            del data[pos:pos + draw(st.integers(1, 16))]
        elif op == 3:                        # truncate
            del data[pos:]
        else:                                # length bytes are the sensitive spots
            if pos < len(data):
                data[pos] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84,
                                                  0xFF]))
    return bytes(data)


@SETTINGS
@given(st.binary(max_size=600))
def test_der_walk_random_bytes(data):
    try:
        _walk(Reader(data))
    except ParseError:
        pass


@SETTINGS
@given(mutated())
def test_der_walk_mutated_certificates(data):
    try:
        _walk(Reader(data))
    except ParseError:
        pass


@SETTINGS
@given(st.one_of(mutated(), st.binary(max_size=400)))
def test_x509_parse_only_typed_errors(data):
    try:
        c = x509.parse(data)
    except CertError as e:
        assert e.reason in ("malformed", "unknown_critical")
        return
    # Whatever parsed must be self-consistent enough for the path checks to use.
    assert isinstance(c.issuer, bytes) and isinstance(c.subject, bytes)
    assert isinstance(c.not_before, int) and isinstance(c.not_after, int)
    assert c.key is None or c.key[0] in ("rsa", "rsa-pss", "ec")
    c.common_name()


def _store(chain):
    s = trust.TrustStore()
    s.add("g", chain.root_der)
    return s


STORES = [_store(c) for c in CHAINS]


@settings(max_examples=10000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_verify_chain_mutated_only_cert_errors(data):
    i = data.draw(st.integers(0, len(CHAINS) - 1))
    chain = list(CHAINS[i].chain_der)
    k = data.draw(st.integers(0, len(chain) - 1))
    chain[k] = data.draw(mutated(seeds=[chain[k]]))
    if data.draw(st.booleans()):
        chain = data.draw(st.permutations(chain))
    host = data.draw(st.sampled_from(["localhost", "ptbtime1.ptb.de", "127.0.0.1",
                                      "a.nts.example"]))
    policy = trust.CertTimePolicy(NOW, data.draw(st.booleans()), NOW - 86400)
    try:
        _verify_chain(chain, host, STORES[i], "g", policy)
    except CertError as e:
        assert e.reason in CertError.REASONS


def test_seed_chains_verify():
    # The unmutated seeds are accepted (so the fuzzers start from valid inputs), except
    # the one with an unknown critical extension.
    for c, s in zip(CHAINS[:-1], STORES):
        _verify_chain(c.chain_der, c.hostname, s, "g", trust.CertTimePolicy(NOW))
    with pytest.raises(CertError):
        _verify_chain(CHAINS[-1].chain_der, "a.nts.example", STORES[-1], "g",
                           trust.CertTimePolicy(NOW))
