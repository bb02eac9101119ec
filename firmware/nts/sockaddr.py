# Resolved socket addresses as (ip text, port): what the status model shows as the NTP
# address a server's queries went to. Loaded only when a status is read.


def socket_address(addr):
    """(ip text, port) of a resolved socket address, or None: CPython and lwIP give a
    tuple, MicroPython's unix port a raw Linux sockaddr (family little-endian, port
    big-endian; sockaddr_in: address at 4, sockaddr_in6: at 8)."""
    if isinstance(addr, tuple):
        return str(addr[0]), addr[1]
    b = bytes(addr) if isinstance(addr, (bytes, bytearray)) else b""
    if len(b) >= 8 and b[0] == 2 and b[1] == 0:
        return "%d.%d.%d.%d" % tuple(b[4:8]), b[2] << 8 | b[3]
    if len(b) >= 24 and b[0] == 10 and b[1] == 0:
        return ipv6_text(b[8:24]), b[2] << 8 | b[3]
    return None


def ipv6_text(a):
    """RFC 5952 text of 16 address bytes (the longest run of zero groups as ::)."""
    g = [a[i] << 8 | a[i + 1] for i in range(0, 16, 2)]
    best, start = (0, 0), None
    for i in range(9):
        if i < 8 and g[i] == 0:
            start = i if start is None else start
        elif start is not None:
            if i - start > best[1] - best[0] and i - start > 1:
                best = (start, i)
            start = None
    parts = ["%x" % x for x in g]
    if best[1]:
        return ":".join(parts[:best[0]]) + "::" + ":".join(parts[best[1]:])
    return ":".join(parts)
