# Hash-chained, append-only logs on flash: the security log and the secure
# metrological log (PTB-A 50.7: root-CA changes, time deviations, clock steps), and the
# framing of the offline event queue (nts.ocpp.eventqueue).
#
#   record = 0xA5 | body length u16 | body | SHA-256(0xA5 | length | body)   (big-endian)
#   body   = seq u32 | time_ns u64 | prev (32) | payload (UTF-8 JSON object)
#
# `prev` is the SHA-256 trailer of the record before (zeros for the very first), so a
# changed, removed or reordered record breaks the chain at the next one. Power-safe: a
# record is appended and synced before append() returns; a cut mid-write leaves a torn
# tail that fails its own hash, and opening the log rewrites the file without it (the
# valid prefix). Damage anywhere else is evidence: the file is kept as the previous part
# and a new one begun, so verify() reports where. Bounded: when the current
# file would pass max_bytes it becomes `path`.1 (the older `.1` is dropped) and a new
# file continues the chain, so the pair always verifies; records rotated out are
# reported as where the verifiable chain begins (its first `prev`).
#
# At the REPL: `for seq, t, entry in ChainLog("/nts_security.log").entries(): print(...)`;
# on the host: `python tools/ntslog.py FILE` dumps and verifies.
import hashlib
import json
import os

from nts.atomicfile import sync_file
from nts.errors import ParseError

MARK = 0xA5
_HEAD = 3
_FIXED = 4 + 8 + 32
_HASH = 32
ZERO = bytes(32)


def encode(seq, time_ns, prev, payload):
    body = seq.to_bytes(4, "big") + time_ns.to_bytes(8, "big") + prev + payload
    if len(body) > 0xFFFF:
        raise ParseError("log record too long")
    rec = bytes((MARK, len(body) >> 8, len(body) & 0xFF)) + body
    return rec + hashlib.sha256(rec).digest()


def read(f):
    """Yield (seq, time_ns, prev, payload, digest, end offset) of each intact record of
    file `f` from its current position; stops at the end or at the first record that is
    torn or fails its hash (the caller compares the end offset with the file size)."""
    pos = f.tell()
    while True:
        head = f.read(_HEAD)
        if len(head) < _HEAD or head[0] != MARK:
            return
        n = (head[1] << 8) | head[2]
        if n < _FIXED:
            return
        body = f.read(n)
        digest = f.read(_HASH)
        if len(body) < n or len(digest) < _HASH:
            return
        if hashlib.sha256(head + body).digest() != digest:
            return
        pos += _HEAD + n + _HASH
        yield (int.from_bytes(body[:4], "big"), int.from_bytes(body[4:12], "big"),
               body[12:44], body[44:], digest, pos)


def _size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return -1


def scan(path):
    """(records, last seq, last digest, end of the intact prefix, file size) of a file."""
    count, seq, last, end = 0, 0, None, 0
    size = _size(path)
    if size > 0:
        with open(path, "rb") as f:
            for seq, _, _, _, last, end in read(f):
                count += 1
    return count, seq, last, end, size


def _torn_tail(path, end, size):
    """Whether the bytes after the intact prefix are one record cut short (or not
    completely written): what a power cut during append() leaves."""
    with open(path, "rb") as f:
        f.seek(end)
        head = f.read(_HEAD)
    if len(head) < _HEAD or head[0] != MARK:
        return size - end < _HEAD + _FIXED + _HASH
    return end + _HEAD + ((head[1] << 8) | head[2]) + _HASH >= size


def keep_prefix(path, end):
    """Rewrite `path` as its first `end` bytes (a torn tail cut off), power-safe: the
    prefix is copied in small pieces to `path`.tmp, synced and renamed over."""
    tmp = path + ".tmp"
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        left = end
        while left:
            chunk = src.read(min(left, 512))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)
        sync_file(dst)
    os.remove(path)     # FAT cannot rename over a file; a cut here leaves .tmp
    os.rename(tmp, path)


class ChainLog:
    """One log: `path` (current) and `path`.1 (the previous part after a rotation)."""

    def __init__(self, path, max_bytes=16384):
        self.path = path
        self.old = path + ".1"
        self.max_bytes = max_bytes
        if _size(path) < 0 and _size(path + ".tmp") >= 0:
            os.rename(path + ".tmp", path)      # a cut between remove and rename
        count, seq, last, end, size = scan(path)
        if end < size:
            if _torn_tail(path, end, size):
                keep_prefix(path, end)
                size = end
            else:
                # Damage before the end is no torn write: keep it as evidence (verify
                # reports it) and go on in a new part.
                self._rotate()
                size = 0
        if last is None:                        # new, or just rotated: the chain goes on
            count, seq, last, _, _ = scan(self.old)
        self.seq = seq
        self.last = last if last is not None else ZERO
        self.size = max(size, 0)

    def append(self, time_ns, entry):
        """Append JSON-able dict `entry` (synced before returning); returns its seq."""
        rec = encode(self.seq + 1, time_ns, self.last, json.dumps(entry).encode())
        if self.size and self.size + len(rec) > self.max_bytes:
            self._rotate()
        with open(self.path, "ab") as f:
            f.write(rec)
            sync_file(f)
        self.size += len(rec)
        self.seq += 1
        self.last = rec[-_HASH:]
        return self.seq

    def _rotate(self):
        try:
            os.remove(self.old)
        except OSError:
            pass
        os.rename(self.path, self.old)
        self.size = 0

    def entries(self):
        """Yield (seq, time_ns, entry dict) of every record, oldest first (chain not
        checked: see verify)."""
        for path in (self.old, self.path):
            if _size(path) <= 0:
                continue
            with open(path, "rb") as f:
                for seq, t, _, payload, _, _ in read(f):
                    yield seq, t, json.loads(payload)


def verify(paths):
    """Check the chain over files `paths` (oldest first). Returns (records, first seq,
    error): error "" when every record is intact, numbered in order and carries the
    hash of the one before; otherwise where and how the chain breaks."""
    count = 0
    first = None
    prev_seq = None
    prev_digest = None
    for path in paths:
        size = _size(path)
        if size <= 0:
            continue
        with open(path, "rb") as f:
            end = 0
            for seq, _, prev, _, digest, end in read(f):
                if first is None:
                    first = seq
                    if seq == 1 and prev != ZERO:
                        return count, first, "record 1 does not start the chain"
                elif seq != prev_seq + 1:
                    return count, first, "%s: record %d follows %d" % (path, seq, prev_seq)
                elif prev != prev_digest:
                    return count, first, "%s: record %d does not carry the hash of %d" % (
                        path, seq, prev_seq)
                prev_seq, prev_digest = seq, digest
                count += 1
            if end < size:
                return count, first, "%s: damaged after byte %d (record %s)" % (
                    path, end, "?" if prev_seq is None else prev_seq + 1)
    return count, first, ""
