# Power cuts during state writes: a subprocess saves states in a loop and is SIGKILLed at
# a random moment; the state on disk must then be the last completed save or the one
# being written, never a mix, never unloadable. Half the runs write through a file
# object that writes in small chunks with pauses, so kills land inside a torn write.
import os
import random
import signal
import subprocess
import sys
import time

from hypothesis import given, settings, strategies as hs

from nts import state as st
from nts.errors import StateError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGEST = bytes(range(16))

WRITER = r"""
import sys, time
sys.path.insert(0, "firmware")
from nts import state as st
from host_tests.cpython.test_state_powercut import make_state

path, slow = sys.argv[1], sys.argv[2] == "1"
if slow:
    real_open = open

    class SlowFile:
        def __init__(self, f):
            self.f = f
        def write(self, data):
            for i in range(0, len(data), 64):
                self.f.write(data[i:i + 64])
                self.f.flush()
                time.sleep(0.0002)
        def __getattr__(self, name):
            return getattr(self.f, name)
        def __enter__(self):
            return self
        def __exit__(self, *a):
            self.f.close()

    st.open = lambda p, mode: SlowFile(real_open(p, mode))
store = st.Store(path)
i = 0
while True:
    store.save(make_state(i))
    print(i, flush=True)
    i += 1
"""


def make_state(i):
    """State number i: its contents are a function of i, and sizes vary with i."""
    sessions = {}
    for k in range(1 + i % 3):
        name = "srv%d" % k
        cookies = [bytes([(i + k + j) & 0xFF]) * (60 + (i * 7 + j) % 90) for j in range(1 + (i + k) % 8)]
        sessions[name] = st.ServerSession(name, 15 if k % 2 == 0 else 30, bytes([i & 0xFF]) * 32,
                                          bytes([(i + 1) & 0xFF]) * 32, cookies, "", 123, 1790000000 + i)
    return st.State(DIGEST, 1790000000000000000 + i, i % 2 == 0, sessions)


def _check_is(loaded, i):
    want = make_state(i)
    assert loaded.last_good_ns == want.last_good_ns and loaded.trusted == want.trusted
    assert sorted(loaded.sessions) == sorted(want.sessions)
    for name, s in want.sessions.items():
        got = loaded.sessions[name]
        assert (got.aead, got.c2s, got.s2c, got.cookies, got.ke_time) == \
            (s.aead, s.c2s, s.s2c, s.cookies, s.ke_time)


def test_kill_during_writes(tmp_path):
    rng = random.Random(8915)
    outcomes = set()
    for run in range(24):
        path = str(tmp_path / ("state%d.bin" % run))
        slow = run % 2
        p = subprocess.Popen([sys.executable, "-c", WRITER, path, str(slow)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
        try:
            first = p.stdout.readline()
            assert first.strip() == "0", first
            time.sleep(rng.uniform(0.0, 0.15))
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
        done = [int(x) for x in ([first] + p.stdout.read().split())]
        p.stdout.close()
        last = done[-1]
        torn = os.path.exists(path + ".tmp")
        loaded = st.Store(path).load(DIGEST)
        assert loaded is not None
        i = loaded.last_good_ns - 1790000000000000000
        # The last reported save, or the one after it (renamed, then killed before print).
        assert i in (last, last + 1), (i, last)
        _check_is(loaded, i)
        outcomes.add("new" if i == last + 1 else "old")
        outcomes.add("killed mid-write" if torn else "killed between writes")
        # Consumed: the sessions are gone from flash now.
        again = st.Store(path).load(DIGEST)
        assert again.sessions == {} and again.last_good_ns == loaded.last_good_ns
    # The seed makes kills land both inside and between writes.
    assert "old" in outcomes and "killed mid-write" in outcomes, outcomes


def test_corrupted_files_fall_back_cleanly(tmp_path):
    rng = random.Random(5905)
    path = str(tmp_path / "state.bin")
    data = b"".join(st.encode(make_state(5)))
    for trial in range(300):
        bad = bytearray(data)
        how = trial % 3
        if how == 0:
            bad = bad[:rng.randrange(len(bad))]
        elif how == 1:
            for _ in range(1 + rng.randrange(4)):
                bad[rng.randrange(len(bad))] ^= 1 << rng.randrange(8)
        else:
            pos = rng.randrange(len(bad))
            bad[pos:pos + 16] = bytes(rng.randrange(256) for _ in range(16))
        if bytes(bad) == data:
            continue
        with open(path, "wb") as f:
            f.write(bad)
        store = st.Store(path)
        assert store.load(DIGEST) is None and store.last_error
    # A corrupt main file with a complete temp file beside it: the temp file wins.
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    loaded = st.Store(path).load(DIGEST)
    _check_is(loaded, 5)


@settings(max_examples=400, deadline=None)
@given(hs.binary(max_size=600))
def test_decode_arbitrary_bytes_only_state_error(data):
    try:
        st.decode(data, DIGEST)
    except StateError:
        pass


@settings(max_examples=200, deadline=None)
@given(hs.integers(0, 10 ** 6))
def test_encode_decode_round_trip(i):
    s = make_state(i)
    _check_is(st.decode(b"".join(st.encode(s)), DIGEST), i)
