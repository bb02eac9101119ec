# Server identity check (RFC 6125 6.4, as browsers and OpenSSL apply it today): the
# name we connected to against the certificate's subjectAltName; the subject CN is
# never used. IP literals are parsed here because MicroPython has no ipaddress module.


def matches(dns_names, ip_addresses, hostname):
    """Whether a certificate with these subjectAltName entries is valid for hostname.

    An IP address (v4 dotted quad, or v6) matches iPAddress entries only. A DNS name
    matches a dNSName exactly (case-insensitive, trailing dot ignored) or a wildcard
    pattern "*.rest" where `*` is the whole leftmost label, stands for exactly one
    non-empty label, and the pattern has at least 3 labels (never "*.com")."""
    ip = ip_bytes(hostname)
    if ip is not None:
        return ip in ip_addresses
    host = hostname.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host or ".." in host or "*" in host:
        return False
    for pattern in dns_names:
        if pattern.endswith("."):
            pattern = pattern[:-1]
        if pattern == host:
            return True
        if pattern.startswith("*.") and "*" not in pattern[1:] \
                and pattern.count(".") >= 2:
            dot = host.find(".")
            if dot > 0 and host[dot:] == pattern[1:]:
                return True
    return False


def ip_bytes(host):
    """The 4 or 16 address bytes if host is an IPv4 or IPv6 literal, else None."""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        return _ipv6(host)
    parts = host.split(".")
    if len(parts) != 4:
        return None
    out = bytearray()
    for p in parts:
        if not p or len(p) > 3 or not p.isdigit() or int(p) > 255:
            return None
        out.append(int(p))
    return bytes(out)


def _ipv6(host):
    if host.count("::") > 1:
        return None
    if "::" in host:
        head, tail = host.split("::")
        head = head.split(":") if head else []
        tail = tail.split(":") if tail else []
        if len(head) + len(tail) > 7:
            return None
        groups = head + ["0"] * (8 - len(head) - len(tail)) + tail
    else:
        groups = host.split(":")
        if len(groups) != 8:
            return None
    out = bytearray()
    for g in groups:
        if not 1 <= len(g) <= 4:
            return None
        v = 0
        for ch in g:
            d = "0123456789abcdef".find(ch.lower())
            if d < 0:
                return None
            v = v * 16 + d
        out.append(v >> 8)
        out.append(v & 0xFF)
    return bytes(out)
