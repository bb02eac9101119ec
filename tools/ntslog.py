"""Dump and verify an mpnts hash-chained log (security or metrological) copied off a board.

    python tools/ntslog.py /path/nts_security.log [--json]
    (e.g. after `mpremote cp :/nts_security.log :/nts_security.log.1 .`)

The previous part (FILE.1, left by rotation) is read first when it is beside FILE.
Prints one line per record (seq, UTC time, entry) and then the verdict: every record
intact, numbered in order, carrying the SHA-256 of the one before. Exit status 0 when the
chain verifies, 1 when it is broken (where and how is printed), 2 when no log is found.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "firmware"))
from nts.ocpp import chainlog  # noqa: E402  (the board's own reader: one format)
from nts.ocpp.rfc3339 import format_ns  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="the log file (FILE.1 beside it is read first)")
    ap.add_argument("--json", action="store_true", help="one JSON object per record")
    args = ap.parse_args(argv)
    paths = [p for p in (args.log + ".1", args.log) if os.path.exists(p)]
    if not paths:
        print("no log at %s" % args.log, file=sys.stderr)
        return 2
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
