# mpnts: Network Time Security (RFC 8915) client for MicroPython.


def status(as_data=False):
    """Print the running sync engine's status at the REPL (nts.engine.current):
    per-server state, offsets, cookie counts, AEAD, last key exchange, error counters;
    never keys or cookie bytes. status(True) returns the same as plain data."""
    from nts import engine, statusview
    eng = engine.current
    if eng is None:
        if not as_data:
            print("mpnts: no sync engine running")
        return None
    snap = eng.snapshot()
    if as_data:
        return statusview.model(snap)
    print(statusview.render(snap))
