# Hash-chained logs and the offline event queue on flash: append-only records each
# carrying the SHA-256 of the one before; tampering, a removed record and reordering
# are detected; a power cut (torn tail) leaves the valid prefix; rotation keeps the
# chain verifiable; queued events survive a restart and are delivered in order, bounded.
import os
import sys

from nts.ocpp import chainlog
from nts.ocpp.chainlog import ChainLog, verify
from nts.ocpp.eventqueue import EventQueue


def _path(name):
    try:
        os.mkdir("build")
    except OSError:
        pass
    path = "build/ocpp_%s_%s" % (name, sys.implementation.name)
    for suffix in ("", ".1", ".tmp", ".ack", ".ack.tmp"):
        try:
            os.remove(path + suffix)
        except OSError:
            pass
    return path


def _fill(log, n, start=0):
    for i in range(start, start + n):
        log.append(1000 + i, {"event": "Test", "i": i})


def _patch(path, offset, data):
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    raw[offset:offset + len(data)] = data
    with open(path, "wb") as f:
        f.write(raw)


def _size(path):
    return os.stat(path)[6]


def test_chain_appends_and_verifies():
    path = _path("chain")
    log = ChainLog(path)
    _fill(log, 5)
    assert verify([path]) == (5, 1, "")
    assert [(s, t, e["i"]) for s, t, e in log.entries()] == [(i + 1, 1000 + i, i) for i in range(5)]
    again = ChainLog(path)                      # reopened: the chain goes on
    _fill(again, 2, 5)
    assert verify([path]) == (7, 1, "") and again.seq == 7


def test_tampering_and_cuts_are_detected():
    path = _path("tamper")
    log = ChainLog(path)
    _fill(log, 4)
    rec = len(chainlog.encode(1, 1000, chainlog.ZERO, b'{"event": "Test", "i": 0}'))
    # A record rewritten with a fresh own hash still breaks the chain at the next one.
    with open(path, "rb") as f:
        raw = f.read()
    forged = chainlog.encode(2, 1001, raw[rec - 32:rec], b'{"event": "Test", "i": 9}')
    with open(path, "wb") as f:
        f.write(raw[:rec] + forged + raw[2 * rec:])
    n, first, err = verify([path])
    assert n == 2 and "record 3 does not carry the hash of 2" in err
    # A record cut out of the middle.
    with open(path, "wb") as f:
        f.write(raw[:rec] + raw[2 * rec:])
    assert "record 3 follows 1" in verify([path])[2]
    # A flipped byte: the record fails its own hash.
    with open(path, "wb") as f:
        f.write(raw)
    _patch(path, rec + 20, b"\x00")
    assert "damaged after byte %d" % rec in verify([path])[2]


def test_power_cut_leaves_the_valid_prefix():
    path = _path("torn")
    log = ChainLog(path)
    _fill(log, 3)
    good = _size(path)
    rec = chainlog.encode(4, 2000, log.last, b'{"event": "Cut"}')
    for cut in (1, 3, 20, len(rec) - 1):
        with open(path, "ab") as f:
            f.write(rec[:cut])          # the write a power cut interrupted
        log = ChainLog(path)
        assert _size(path) == good and log.seq == 3
    _fill(log, 1, 3)
    assert verify([path]) == (4, 1, "")
    # Damage in the middle is not a torn write: kept as evidence, a new part begun.
    _patch(path, 30, b"\xff")
    log = ChainLog(path)
    _fill(log, 1, 4)
    assert verify([path + ".1", path])[2].startswith(path + ".1: damaged")


def test_rotation_keeps_the_chain_verifiable():
    path = _path("rotate")
    log = ChainLog(path, max_bytes=600)
    _fill(log, 30)
    assert _size(path) <= 600 and _size(path + ".1") <= 600
    n, first, err = verify([path + ".1", path])
    assert err == "" and first > 1 and first + n - 1 == 30
    seqs = [s for s, _, _ in log.entries()]
    assert seqs == list(range(first, 31))


def test_queue_delivers_in_order_after_restart():
    path = _path("queue")
    q = EventQueue(path)
    for i in range(5):
        q.put({"type": "Test%d" % i}, 1000 + i)
    q = EventQueue(path)                        # power cut / reboot while offline
    got = []
    while True:
        item = q.peek()
        if item is None:
            break
        got.append(item[1]["type"])
        if len(got) == 2:
            q = EventQueue(path)                # reconnect half way: no repeat, no loss
            continue
        q.delivered(item[0])
    assert got == ["Test0", "Test1", "Test1", "Test2", "Test3", "Test4"]
    assert len(q) == 0 and q.status() == {"waiting": 0, "dropped": 0, "last": 5}
    q.put({"type": "Next"})
    assert EventQueue(path).peek() == (6, {"type": "Next"})     # numbering goes on


def test_queue_is_bounded_and_compacts():
    path = _path("bounded")
    q = EventQueue(path, limit=4)
    for i in range(10):
        q.put({"type": "E%d" % i})
    assert len(q) == 4 and q.dropped == 6 and q.peek()[1] == {"type": "E6"}
    q = EventQueue(path, limit=4)
    assert q.peek()[1] == {"type": "E6"} and q.dropped == 6
    from nts.ocpp import eventqueue
    old = eventqueue.COMPACT_BYTES
    eventqueue.COMPACT_BYTES = 100
    try:
        q.delivered(q.peek()[0])
        assert _size(path) < 4 * 80 and q.peek()[1] == {"type": "E7"}
        assert EventQueue(path).peek()[1] == {"type": "E7"}
    finally:
        eventqueue.COMPACT_BYTES = old
