# Plain NTPv4 (Mode NTPv4, only where a group allows it): the request is a bare 48-byte
# client header with a random transmit timestamp; an answer counts only if it echoes it.
# Answers are packed by hand here (RFC 5905 7.3), not with the firmware's encoder.
from nts import reply, timescale
from nts.plainntp import PlainAssociation

SEC = timescale.NS_PER_S
T1 = timescale.from_unix(1795714200)        # 2026-11-26


def answer(request, t2, t3, li=0, vn=4, mode=4, stratum=2, refid=b"GPS\x00", orig=None):
    orig = int.from_bytes(request[40:48], "big") if orig is None else orig
    return (bytes([(li << 6) | (vn << 3) | mode, stratum, 6, 0xEC])
            + (0x00010000).to_bytes(4, "big") + (0x00008000).to_bytes(4, "big") + refid
            + timescale.to_ntp64(t2 - SEC).to_bytes(8, "big") + orig.to_bytes(8, "big")
            + timescale.to_ntp64(t2).to_bytes(8, "big") + timescale.to_ntp64(t3).to_bytes(8, "big"))


def kind(a, req, data, t4=T1):
    return a.receive(req, data, t4).kind


def test_request_is_a_bare_client_header_with_random_transmit_timestamp():
    a = PlainAssociation("ntp.example", 123)
    d1, r1 = a.make_request(T1)
    d2, _ = a.make_request(T1)
    assert len(d1) == 48 and d1[0] == 0x23 and d1[1:40] == bytes(39)
    assert d1[40:] != d2[40:] and int.from_bytes(d1[40:], "big") == r1.xmit_ts
    assert a.aead is None and len(a.cookies) == 0 and a.action() == "query"


def test_sample_offset_and_delay():
    a = PlainAssociation("ntp.example", 123, asymmetry=0)
    data, req = a.make_request(T1)
    t2 = T1 + 7 * SEC + 50 * 1000000            # server 7 s ahead, 50 ms each way
    o = a.receive(req, answer(data, t2, t2 + 1000000), T1 + 101 * 1000000)
    s = o.sample
    assert o.kind == reply.SAMPLE
    assert s.delay == 100 * 1000000 and s.offset == 7 * SEC and s.stratum == 2
    assert s.root_delay == SEC and s.root_disp == SEC // 2


def test_only_an_echo_of_our_request_counts_and_only_once():
    a = PlainAssociation("ntp.example", 123)
    data, req = a.make_request(T1)
    good = answer(data, T1 + SEC, T1 + SEC)
    for bad in (answer(data, T1, T1, orig=1), answer(data, T1, T1, mode=5),
                answer(data, T1, T1, vn=3), good[:47]):
        assert kind(a, req, bad) == reply.DROP
    assert kind(a, req, good, T1 + SEC) == reply.SAMPLE
    assert kind(a, req, good, T1 + SEC) == reply.DROP


def test_unsynchronized_server_and_kiss_of_death():
    # The same checks as NTS (nts.reply.judge): unsynchronized is a definite answer,
    # RATE/DENY/RSTR count, other kiss codes drop the packet and the request stays open.
    a = PlainAssociation("ntp.example", 123)
    data, req = a.make_request(T1)
    o = a.receive(req, answer(data, T1, T1, li=3), T1)
    assert o.kind == reply.UNSYNC and "unsynchronized" in o.reason
    for code, want in ((b"RATE", reply.RATE), (b"DENY", reply.DENY), (b"RSTR", reply.DENY)):
        data, req = a.make_request(T1)
        assert kind(a, req, answer(data, T1, T1, stratum=0, refid=code)) == want
    data, req = a.make_request(T1)
    assert kind(a, req, answer(data, T1, T1, stratum=0, refid=b"INIT")) == reply.DROP
    assert kind(a, req, answer(data, T1 + SEC, T1 + SEC), T1 + SEC) == reply.SAMPLE


def test_query_wait_over_a_real_socket():
    # nts.query.wait_reply with the engine's UDPEndpoint on loopback: silence is reported as the
    # timeout (never EAGAIN); an ignored kiss (INIT) is waited past to the real answer.
    try:
        import socket
        from nts import query
        from nts.aio import UDPEndpoint
    except ImportError:
        from support import SkipTest
        raise SkipTest("no sockets on this port")
    from nts import ntp, signed
    from nts.aio import MAX_DATAGRAM, errno_text
    from portability import run_loop
    # The receive buffer takes the largest reply, a signed server's reply 2 included.
    assert MAX_DATAGRAM == ntp.MAX_REPLY + signed.MAX_EXTRA
    for code in (11, 110):                  # EAGAIN, ETIMEDOUT: a timeout, not an errno
        assert errno_text(OSError(code), 2.0) == "no answer within 2.0 s"
    import os
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    port = 20000 + int.from_bytes(os.urandom(2), "big") % 20000
    for _ in range(50):     # MicroPython's sockets have no getsockname(): pick a port
        try:
            srv.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
            break
        except OSError:
            port += 1
    a = PlainAssociation("127.0.0.1", port)
    ep = UDPEndpoint("127.0.0.1", port)
    try:
        data, req = a.make_request(T1)
        ep.send(data)
        srv.recvfrom(100)                                      # and never answer

        def receive(d, t4):
            return a.receive(req, d, t4)
        o = run_loop(query.wait_reply(ep, receive, 0.2, lambda: T1 + SEC))
        assert o.kind == reply.TIMEOUT and o.reason == "no answer within 0.2 s", o
        data, req = a.make_request(T1)
        ep.send(data)
        peer = srv.recvfrom(100)[1]
        srv.sendto(answer(data, T1, T1, stratum=0, refid=b"INIT"), peer)
        srv.sendto(answer(data, T1 + SEC, T1 + SEC), peer)
        o = run_loop(query.wait_reply(ep, receive, 2.0, lambda: T1 + SEC))
        assert o.kind == reply.SAMPLE and o.sample.offset == SEC // 2, o
        big = bytes(range(256)) * 4 + bytes(MAX_DATAGRAM - 1024)
        srv.sendto(big, peer)                   # the largest reply arrives whole
        assert run_loop(ep.recv(2.0)) == big
    finally:
        ep.close()
        srv.close()
