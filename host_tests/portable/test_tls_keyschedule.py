# TLS 1.3 key schedule against RFC 8448 section 3 ("Simple 1-RTT Handshake"), which uses
# X25519 and TLS_AES_128_GCM_SHA256: exactly the suite mpnts offers. Every secret, key,
# IV and both Finished values are derived from the trace's inputs (the ECDHE secret and
# the handshake messages) and compared with the trace.
from nts.errors import TLSError
from nts.tls import keyschedule as ks
from support import h, raises

# RFC 8448 section 3, {client} construct a ClientHello handshake message.
CLIENT_HELLO = h("""
010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef
6283024dece7000006130113031302010000910000000b000900000673657276
6572ff01000100000a00140012001d0017001800190100010101020103010400
230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e
51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603
020308040805080604010501060102010402050206020202002d00020101001c
00024001""")

# {server} construct a ServerHello handshake message.
SERVER_HELLO = h("""
020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155
772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb
f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304""")

# {server} send handshake record, "payload": EncryptedExtensions, Certificate,
# CertificateVerify and Finished, back to back.
SERVER_FLIGHT = h("""
080000240022000a00140012001d00170018001901000101010201030104001c
00024001000000000b0001b9000001b50001b0308201ac30820115a003020102
020102300d06092a864886f70d01010b0500300e310c300a0603550403130372
7361301e170d3136303733303031323335395a170d3236303733303031323335
395a300e310c300a0603550403130372736130819f300d06092a864886f70d01
0101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c
0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19e
aa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e2
2a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a
8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304
023000300b0603551d0f0404030205a0300d06092a864886f70d01010b050003
81810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594
365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd
335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb
2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4
2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f82
4cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef78
0c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671
459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda
65cdf5aea20d53dfacd42f74f3140000209b9b141d906337fbd2cbdce71df4de
da4ab42c309572cb7fffee5454b78f0718""")

CLIENT_PRIVATE = h("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005")
SERVER_PUBLIC = h("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")
SHARED = h("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")

EARLY = h("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
HANDSHAKE = h("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
HELLO_HASH = h("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")
C_HS = h("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
S_HS = h("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
MASTER = h("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
S_HS_KEY, S_HS_IV = h("3fce516009c21727d0f2e4e86ee403bc"), h("5d313eb2671276ee13000b30")
C_HS_KEY, C_HS_IV = h("dbfaa693d1762c5b666af5d950258d01"), h("5bd3c71b836e0b76bb73265f")
S_FINISHED = h("9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718")
SERVER_FINISHED_HASH = h("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13")
C_AP = h("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
S_AP = h("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
EXP_MASTER = h("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50")
S_AP_KEY, S_AP_IV = h("9f02283b6c9c07efc26bb9f2ac92e356"), h("cf782b88dd83549aadf1e984")
C_AP_KEY, C_AP_IV = h("17422dda596ed5d9acd890e3c63f5051"), h("5b78923dee08579033e523d9")
C_FINISHED = h("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61")


def _split_flight():
    """EncryptedExtensions, Certificate, CertificateVerify, Finished from the payload."""
    out = []
    pos = 0
    while pos < len(SERVER_FLIGHT):
        n = int.from_bytes(SERVER_FLIGHT[pos + 1:pos + 4], "big")
        out.append(SERVER_FLIGHT[pos:pos + 4 + n])
        pos += 4 + n
    return out


def _run_trace():
    t = ks.Transcript()
    t.add(CLIENT_HELLO)
    t.add(SERVER_HELLO)
    s = ks.KeySchedule()
    hello_hash = t.digest()
    s.derive_handshake(SHARED, hello_hash)
    return t, s, hello_hash


def test_early_and_handshake_secrets():
    t, s, hello_hash = _run_trace()
    assert s.early_secret == EARLY
    assert hello_hash == HELLO_HASH
    assert s.handshake_secret == HANDSHAKE
    assert s.client_hs == C_HS
    assert s.server_hs == S_HS
    assert s.master_secret() == MASTER


def test_handshake_traffic_keys():
    t, s, _ = _run_trace()
    assert ks.traffic_key_iv(s.server_hs) == (S_HS_KEY, S_HS_IV)
    assert ks.traffic_key_iv(s.client_hs) == (C_HS_KEY, C_HS_IV)


def test_finished_values_and_application_secrets():
    t, s, _ = _run_trace()
    ee, cert, cv, fin = _split_flight()
    assert [m[0] for m in (ee, cert, cv, fin)] == [8, 11, 15, 20]
    for m in (ee, cert, cv):
        t.add(m)
    assert ks.finished_verify_data(s.server_hs, t.digest()) == S_FINISHED
    assert fin[4:] == S_FINISHED
    t.add(fin)
    server_finished_hash = t.digest()
    assert server_finished_hash == SERVER_FINISHED_HASH
    s.derive_application(server_finished_hash)
    assert (s.client_ap, s.server_ap, s.exporter_master) == (C_AP, S_AP, EXP_MASTER)
    assert ks.traffic_key_iv(s.server_ap) == (S_AP_KEY, S_AP_IV)
    assert ks.traffic_key_iv(s.client_ap) == (C_AP_KEY, C_AP_IV)
    # The client's Finished covers the transcript through the server's Finished.
    assert ks.finished_verify_data(s.client_hs, server_finished_hash) == C_FINISHED


def test_exporter_shape_and_guard():
    t, s, _ = _run_trace()
    raises(TLSError, s.exporter, b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 16)
    s.derive_application(SERVER_FINISHED_HASH)
    c2s = s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 32)
    s2c = s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x01", 32)
    assert len(c2s) == 32 and c2s != s2c
    assert s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 32) == c2s
    # The length is part of HkdfLabel, so a shorter output is not a prefix of a longer one.
    assert s.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 16) != c2s[:16]


def test_hello_retry_transcript_substitution():
    # RFC 8446 4.4.1: ClientHello1 becomes message_hash = 254 00 00 20 Hash(ClientHello1).
    import hashlib
    t = ks.Transcript()
    t.add(CLIENT_HELLO)
    t.restart_after_hello_retry()
    expected = hashlib.sha256(b"\xfe\x00\x00\x20" + hashlib.sha256(CLIENT_HELLO).digest())
    assert t.digest() == expected.digest()


def test_transcript_is_bounded():
    t = ks.Transcript()
    t.add(bytes(ks.MAX_TRANSCRIPT))
    raises(TLSError, t.add, b"x")


def test_x25519_shared_secret_of_the_trace():
    from support import SkipTest
    try:
        from nts.crypto.x25519 import x25519
    except ImportError:
        raise SkipTest("nts.crypto.x25519 not present")
    assert x25519(CLIENT_PRIVATE, SERVER_PUBLIC) == SHARED
