"""Hypothesis fuzzing of the TLS record layer, the handshake message parsers and the client
state machine: whatever the bytes, only mpnts's typed errors (NTSError) escape, never an
IndexError, ValueError or the like. 10,000 examples each, from random bytes and from
mutations of the RFC 8448 section 3 messages (so the parsers get past their first checks).
"""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rfc8448 as v
from nts.errors import NTSError
from nts.tls import messages as m
from nts.tls import record
from nts.tls.client import TLSClient

FUZZ = settings(max_examples=10000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw, seed):
    """seed with a few byte flips, insertions, deletions and a truncation."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("flip", "insert", "delete", "set")))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 8))]
        elif op == "set" and data:
            data[pos] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(data)))
    return bytes(data[:cut]) if draw(st.booleans()) else bytes(data)


def _drain(layer, data):
    layer.feed(data)
    while layer.next_record() is not None:
        pass


def _plain_records():
    w = record.RecordLayer()
    return (w.seal(record.HANDSHAKE, v.SERVER_HELLO) + b"\x14\x03\x03\x00\x01\x01"
            + b"\x15\x03\x03\x00\x02\x02\x28")


@FUZZ
@given(st.one_of(st.binary(max_size=400), mutated(_plain_records()),
                 mutated(v.SERVER_FLIGHT_RECORD)), st.booleans(), st.booleans())
def test_record_layer(data, protected, accept_ccs):
    layer = record.RecordLayer()
    layer.accept_ccs = accept_ccs
    if protected:
        layer.set_read_key(v.S_HS_KEY, v.S_HS_IV)
    try:
        _drain(layer, data)
    except NTSError:
        pass


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated(v.SERVER_FLIGHT)))
def test_handshake_buffer(data):
    hb = record.HandshakeBuffer()
    hb.add(data)
    try:
        while hb.next_message() is not None:
            pass
    except NTSError:
        pass


_PARSERS = (
    (m.parse_server_hello, v.SERVER_HELLO[4:]),
    (m.parse_encrypted_extensions, b"\x00\x0e\x00\x10\x00\x0a\x00\x08\x07ntske/1\x00\x00\x00\x00"),
    (m.parse_certificate, v.split_flight()[1][4:]),
    (m.parse_certificate_verify, v.split_flight()[2][4:]),
    (m.parse_finished, v.split_flight()[3][4:]),
    (m.parse_key_update, b"\x01"),
)


@FUZZ
@given(st.one_of(st.binary(max_size=300),
                 st.sampled_from([seed for _, seed in _PARSERS]).flatmap(mutated)))
def test_message_parsers(data):
    # Every parser sees every example: 10,000 each, in one hypothesis run.
    for parser, _ in _PARSERS:
        try:
            parser(data)
        except NTSError:
            pass


_KEY_PAIR = []


def _server_hello_for(session_id):
    """RFC 8448's ServerHello, echoing our session id, as a plaintext record."""
    body = v.SERVER_HELLO[4:]
    body = body[:34] + bytes((len(session_id),)) + session_id + body[35:]
    return record.RecordLayer().seal(record.HANDSHAKE, m.handshake(m.SERVER_HELLO, body))


@settings(max_examples=10000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_client_state_machine(data):
    # One X25519 key pair for all examples (making one costs milliseconds); the
    # ServerHello echoes the client's session id so mutations reach the later states.
    from nts import slices
    from nts.crypto import x25519
    if not _KEY_PAIR:
        _KEY_PAIR.append(slices.run(x25519.keypair_steps()))
    client = TLSClient("localhost", lambda chain: None, key_pair=_KEY_PAIR[0])
    client.start()
    seed = _server_hello_for(client.session_id) + v.SERVER_FLIGHT_RECORD
    payload = data.draw(st.one_of(st.binary(max_size=300), mutated(seed)))
    try:
        client.receive(payload)
    except NTSError:
        pass
