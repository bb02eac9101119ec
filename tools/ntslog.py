"""Dump and verify an mpnts hash-chained log (security or metrological) copied off a board.

    python tools/ntslog.py /path/nts_security.log [--json]
    python tools/ntslog.py /path/nts_metrological.log --signatures [--seq N]
    (e.g. after `mpremote cp :/nts_security.log :/nts_security.log.1 .`)

The previous part (FILE.1, left by rotation) is read first when it is beside FILE.
Prints one line per record (seq, UTC time, entry) and then the verdict: every record
intact, numbered in order, carrying the SHA-256 of the one before. Exit status 0 when the
chain verifies, 1 when it is broken (where and how is printed), 2 when no log is found.

--signatures re-verifies, offline, the signed server responses that clock changes rest on
(SignedTimeEvidence entries of the metrological log, see firmware/nts/signed.py): each
logged reply 1 against its ECDSA P-256 SHA-256 signature and the server's key, with the
`cryptography` package and nothing of the station's code; it prints the time the server
signed (its transmit timestamp) beside the logged clock change. Exit status 1 when a
signature fails or a source of a change was not signed.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "firmware"))
from nts.ocpp import chainlog  # noqa: E402  (the board's own reader: one format)
from nts.ocpp.rfc3339 import format_ns  # noqa: E402


EVIDENCE = "SignedTimeEvidence"
NTP_UNIX = 2208988800       # s from 1900 (NTP) to 1970 (unix)


def server_time_ns(reply, near_ns):
    """The transmit timestamp of an NTP reply (bytes 40..47) in unix ns, in the NTP era
    nearest to near_ns (the logged clock change)."""
    ts = int.from_bytes(reply[40:48], "big")
    secs, frac = ts >> 32, ts & 0xFFFFFFFF
    base = near_ns // 10**9 + NTP_UNIX
    secs += (base - secs + (1 << 31)) >> 32 << 32
    return (secs - NTP_UNIX) * 10**9 + frac * 10**9 // 2**32


def verify_evidence(entry):
    """[(row, ok, detail)] for one SignedTimeEvidence entry: ok True when the row's
    signature verifies reply 1 under its key; False (detail says why) otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    out = []
    for row in entry.get("responses", []):
        if row.get("status") != "verified" or "signature" not in row:
            out.append((row, False, "not signed: %s" % row.get("status")))
            continue
        try:
            reply = bytes.fromhex(row["response"])
            key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), bytes.fromhex(row["key"]))
            key.verify(bytes.fromhex(row["signature"]), reply, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError, KeyError) as e:
            out.append((row, False, "signature does not verify (%s)" % (
                type(e).__name__ if isinstance(e, InvalidSignature) else e)))
            continue
        when = server_time_ns(reply, entry.get("new_ns") or 0)
        out.append((row, True, "server time %s" % format_ns(when)))
    return out


def _signatures(paths, only_seq):
    bad = 0
    seen = 0
    for path in paths:
        with open(path, "rb") as f:
            for seq, t, _, payload, _, _ in chainlog.read(f):
                entry = json.loads(payload)
                if entry.get("event") != EVIDENCE or (only_seq is not None and seq != only_seq):
                    continue
                seen += 1
                print("%6d %s %s step %s -> %s (%+.6f s)" % (
                    seq, format_ns(t), entry.get("kind"), format_ns(entry.get("old_ns") or 0),
                    format_ns(entry.get("new_ns") or 0), entry.get("offset") or 0))
                for row, ok, detail in verify_evidence(entry):
                    if not ok:
                        bad += 1
                    print("       %s %s (%s) key id %s: %s" % (
                        "OK " if ok else "BAD", row.get("server"), row.get("host"),
                        row.get("key_id", "-"), detail))
    if not seen:
        print("no %s entries%s" % (EVIDENCE, "" if only_seq is None else " with seq %d" % only_seq))
        return 1
    print("%s: %d entries, %d unverified sources" % ("OK" if not bad else "FAILED", seen, bad))
    return 1 if bad else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="the log file (FILE.1 beside it is read first)")
    ap.add_argument("--json", action="store_true", help="one JSON object per record")
    ap.add_argument("--signatures", action="store_true",
                    help="re-verify the signed responses of clock changes (offline)")
    ap.add_argument("--seq", type=int, help="with --signatures: only this record")
    args = ap.parse_args(argv)
    paths = [p for p in (args.log + ".1", args.log) if os.path.exists(p)]
    if not paths:
        print("no log at %s" % args.log, file=sys.stderr)
        return 2
    if args.signatures:
        return _signatures(paths, args.seq)
    for path in paths:
        with open(path, "rb") as f:
            for seq, t, prev, payload, digest, _ in chainlog.read(f):
                entry = json.loads(payload)
                if args.json:
                    print(json.dumps({"seq": seq, "time": format_ns(t), "entry": entry,
                                      "sha256": digest.hex()}))
                else:
                    print("%6d %s %s" % (seq, format_ns(t), json.dumps(entry)))
    count, first, err = chainlog.verify(paths)
    if err:
        print("BROKEN: %s (%d records verified before)" % (err, count))
        return 1
    start = "from the first record" if first == 1 else \
        "from record %s (older ones rotated out)" % first
    print("OK: %d records, chain verified %s" % (count, start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
