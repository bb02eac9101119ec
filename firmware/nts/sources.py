# Distinct sources: MinServers is the legal-time safeguard, so agreement must count
# servers, not configuration entries. The same server configured twice (or once as
# `127.0.0.1` and once as `localhost`) would otherwise agree with itself.
#
# Two peers are one source when they share any identity:
#   ("ntp", resolved socket address)    the NTP address the queries actually went to
#   ("ke", host, port)                  the NTS-KE server as configured (case-folded)
#   ("cert", leaf SHA-256)              the certificate the server presented (kept with
#                                       the session and persisted: state.CertRecord);
#                                       one key holder is one point of failure, so
#                                       servers sharing a certificate count once
# Of each set of peers that are one source only the first candidate (configuration
# order) is passed to selection; the others are reported as failed, naming the first.


_WHY = {"ntp": "same NTP address", "ke": "same NTS-KE server", "cert": "same certificate"}


def identities(peer):
    ids = []
    addr = peer.ntp_addr
    if addr is not None:
        # MicroPython's unix port resolves to a sockaddr bytearray (unhashable).
        ids.append(("ntp", bytes(addr) if isinstance(addr, bytearray) else addr))
    if not peer.plain:
        cfg = peer.cfg
        ids.append(("ke", cfg.ke_host().lower(), cfg.NTSKEServerPort))
        if peer.cert is not None:
            ids.append(("cert", peer.cert.sha256))
    return ids


def distinct(levels, peers):
    """`levels` as for selection.select_prioritized ([(candidates, failed), ...]) with
    every candidate after the first of its source moved to `failed`. peers: {name: Peer}."""
    owner = {}      # identity -> name of the first candidate that had it
    out = []
    for cands, failed in levels:
        kept = []
        failed = dict(failed)
        for c in cands:
            ids = identities(peers[c.name])
            first = None
            for i in ids:
                if i in owner:
                    first = owner[i]
                    why = _WHY[i[0]]
                    break
            if first is None:
                for i in ids:
                    owner[i] = c.name
                kept.append(c)
            else:
                failed[c.name] = "same source as %s (%s; counted once)" % (first, why)
        out.append((kept, failed))
    return out
