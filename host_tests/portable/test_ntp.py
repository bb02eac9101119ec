# NTPv4 header, extension fields and NTS field codecs (RFC 5905 7.3, RFC 7822, RFC 8915
# 5.6), placeholder sizing and the on-wire offset/delay. No crypto here: the exchange
# and association tests (test_nts_exchange, test_association) cover verification.
from nts import ntp
from nts.errors import ParseError
from support import h, raises


def test_header_roundtrip_and_layout():
    hd = ntp.Header(leap=1, mode=4, stratum=3, poll=-6, precision=-23, root_delay=0x12345,
                    root_disp=0x6789, refid=b"abcd", ref_ts=1, orig_ts=2, recv_ts=3,
                    xmit_ts=(1 << 64) - 1)
    data = hd.encode().getvalue()
    assert len(data) == 48
    assert data[:4] == h("64 03 fa e9")            # LI 1, VN 4, mode 4; poll -6; prec -23
    back, fields = ntp.parse_packet(data)
    assert back.__dict__ == hd.__dict__ and fields == []
    for n in range(48):
        raises(ParseError, ntp.parse_packet, data[:n])


def test_extension_field_padding_rules():
    w = ntp.encode_extension_field(0x1234, b"abc")
    assert w.getvalue() == h("1234 0010 616263") + bytes(9)        # min 16 bytes
    w = ntp.encode_extension_field(0x0104, bytes(13))
    assert len(w.getvalue()) == 20                                  # 4 + 13 -> 20
    assert ntp.parse_extension_fields(h("0104 0010") + bytes(12)) == [(0x104, bytes(12), 0)]
    for bad in (h("0104 000c") + bytes(8),          # shorter than 16
                h("0104 0012") + bytes(14),         # not a multiple of 4
                h("0104 0014") + bytes(12),         # longer than the packet
                h("0104"),                          # truncated header
                h("0104 0010") + bytes(12) + h("00")):
        raises(ParseError, ntp.parse_extension_fields, bad)


def test_authenticator_codec():
    body = ntp.encode_authenticator(b"n" * 12, b"c" * 17)
    assert body[:4] == h("000c 0011") and len(body) == 4 + 12 + 20
    assert ntp.parse_authenticator(body) == (b"n" * 12, b"c" * 17)
    assert ntp.parse_authenticator(body + bytes(8)) == (b"n" * 12, b"c" * 17)  # extra pad
    for bad in (h("0000 0010") + bytes(16), h("0010 000f") + bytes(32),
                h("0010 0010") + bytes(31), h("00")):
        raises(ParseError, ntp.parse_authenticator, bad)


def test_placeholder_count():
    assert ntp.placeholders_for(8, 100) == 0        # full stash: just replace the one used
    assert ntp.placeholders_for(1, 100) == 7        # 8 x 104 = 832 <= 864
    assert ntp.placeholders_for(1, 104) == 7        # 8 x 108 = 864, chrony's design point
    assert ntp.placeholders_for(1, 140) == 5        # 6 x 144 = 864
    assert ntp.placeholders_for(1, 256) == 2        # 3 x 260 = 780
    assert ntp.placeholders_for(3, 100) == 5


def test_offset_delay():
    # t1=0, t2=110, t3=120, t4=40: offset ((110-0)+(120-40))/2 = 95, delay 40-10 = 30
    assert ntp.offset_delay(0, 110, 120, 40) == (95, 30)
    # a path 20 slower outbound than back: true offset 10 less
    assert ntp.offset_delay(0, 110, 120, 40, asymmetry=20) == (85, 30)
    assert ntp.offset_delay(1000, 500, 510, 1030) == (-510, 20)
