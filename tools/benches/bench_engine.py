# Sync-engine building blocks: one selection round (clock filter over 8 samples for each
# of 4 servers, then the intersection), and the persisted state of 4 servers with 8
# cookies each (AES-SIV-CMAC-256 keys, 100-byte cookies): file size, save (encode +
# atomic write), decode, and a full load (read, verify, consume = rewrite without the
# cookies). Run from the repo root under python or micropython.
import os
import sys

sys.path.insert(0, "tools/benches")
import benchlib  # noqa: E402
from benchlib import emit, live_heap, us_per_op  # noqa: E402

from nts import selection as sel  # noqa: E402
from nts import state as st  # noqa: E402

PATH = "build/bench_engine_state.bin"


def _samples():
    servers = []
    for k in range(4):
        offset = 3600.0 if k == 3 else 0.001 * k    # one falseticker
        servers.append([sel.Sample(offset + 0.0001 * i, 0.010 + 0.001 * ((i * 5 + k) % 8),
                                   time=float(i), root_delay=0.001, root_disp=0.0005)
                        for i in range(8)])
    return servers


def _state():
    sessions = {}
    for k in range(4):
        name = "ntp%d" % (k + 1)
        sessions[name] = st.ServerSession(name, 15, bytes(32), bytes(32),
                                          [bytes((j,)) * 100 for j in range(8)], "", 123,
                                          1790000000)
    return st.State(bytes(16), 1790000000 * 1000000000, True, sessions)


def main():
    servers = _samples()
    names = ["ntp1", "ntp2", "ntp3", "ntp4"]

    def round_():
        cands = [sel.candidate(names[k], servers[k], 8.0) for k in range(4)]
        return sel.select(cands, 2)

    r = round_()
    if not r.ok or len(r.truechimers) != 3:
        raise SystemExit("bench selection gave an unexpected result: %r" % r)
    emit("engine", "selection_4x8", us_per_op(round_), "us")

    try:
        os.mkdir("build")
    except OSError:
        pass
    state = _state()
    data = b"".join(st.encode(state))
    emit("engine", "state_file_4x8_cookies", len(data), "B")
    emit("engine", "state_file_empty", len(b"".join(st.encode(st.State(bytes(16))))), "B")
    store = st.Store(PATH)
    emit("engine", "state_save_4x8", us_per_op(lambda: store.save(state)), "us")
    emit("engine", "state_decode_4x8", us_per_op(lambda: st.decode(data, bytes(16))), "us")

    def save_load():
        store.save(state)
        if len(store.load(bytes(16)).sessions) != 4:
            raise SystemExit("state load lost sessions")

    emit("engine", "state_save_then_load_consume_4x8", us_per_op(save_load), "us")
    if benchlib.MICROPYTHON:
        base = live_heap()
        loaded = st.decode(data, bytes(16))
        emit("engine", "state_loaded_heap_4x8", live_heap() - base, "B")
        del loaded
    store.clear()


main()
