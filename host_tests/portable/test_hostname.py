# Server identity (RFC 6125 6.4): subjectAltName DNS names with the wildcard rules, IP
# literals against iPAddress entries only, no CN fallback.
from nts.tls import hostname
from support import h


class _Fake:
    def __init__(self, dns=(), ips=()):
        self.dns_names = list(dns)
        self.ip_addresses = list(ips)


def test_hostname_rules():
    def m(cert, host):
        return hostname.matches(cert.dns_names, cert.ip_addresses, host)

    c = _Fake(["ntp.example.org", "*.pool.example.org", "*.com", "f*.example.net"])
    assert m(c, "ntp.example.org") and m(c, "NTP.Example.Org") and m(c, "ntp.example.org.")
    assert m(c, "a.pool.example.org") and m(c, "B-1.POOL.example.org")
    assert not m(c, "pool.example.org") and not m(c, "x.y.pool.example.org")
    assert not m(c, ".pool.example.org") and not m(c, "example.com")
    assert not m(c, "foo.example.net") and not m(c, "x.example.com")
    assert not m(c, "*.pool.example.org") and not m(c, "") and not m(c, "ntp..example.org")
    ipc = _Fake(["127.0.0.1", "*.0.0.1"], [h("7f000001"), h("00000000000000000000000000000001")])
    assert m(ipc, "127.0.0.1") and m(ipc, "::1") and m(ipc, "[::1]") and m(ipc, "0::0:1")
    assert not m(ipc, "127.0.0.2") and not m(_Fake(["127.0.0.1"]), "127.0.0.1")


def test_ip_literals():
    ip = hostname.ip_bytes
    assert ip("192.0.2.1") == h("c0000201")
    assert ip("2001:db8::1") == h("20010db8000000000000000000000001")
    assert ip("::") == bytes(16) and ip("1:2:3:4:5:6:7:8") == h("00010002000300040005000600070008")
    for host in ("256.0.0.1", "1.2.3", "1.2.3.4.5", "01234.1.1.1", "a.b.c.d", "1:2:3:4:5:6:7:8:9",
                 "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7::8", "-1::", "+1::"):
        assert ip(host) is None or host == "1.2.3", host
    assert ip("example.org") is None and ip("1.2.3") is None
