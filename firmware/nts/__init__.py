# mpnts: Network Time Security (RFC 8915) client for MicroPython.
#
# nts.status() at the REPL prints the running engine's status (nts.engine.current):
# per-server state, offsets, cookie counts, AEAD, last key exchange, error counters;
# never keys or cookie bytes. nts.status(True) returns the same as plain data.
#
# `status` is also the name of the view module nts/status.py. Importing a submodule
# binds it as an attribute of the package, which would replace this function; so the
# name is bound to an object that is callable AND offers the view module's functions
# (`from nts import status; status.render(snapshot)` keeps working), and the module
# is only ever imported through _view(), which binds the name back afterwards.


def _view():
    import sys
    m = sys.modules.get("nts.status")
    if m is None:
        __import__("nts.status")
        m = sys.modules["nts.status"]
    globals()["status"] = _STATUS
    return m


class _Status:

    def __call__(self, as_data=False):
        from nts import engine
        eng = engine.current
        if eng is None:
            if as_data:
                return None
            print("mpnts: no sync engine running")
            return None
        snap = eng.snapshot()
        if as_data:
            return _view().model(snap)
        print(_view().render(snap))

    def model(self, snapshot):
        return _view().model(snapshot)

    def render(self, snapshot):
        return _view().render(snapshot)

    def iso_utc(self, secs):
        return _view().iso_utc(secs)


_STATUS = _Status()
status = _STATUS
