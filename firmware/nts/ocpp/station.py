# The configuration in force, as the OCPP handlers change it. A change is made on a copy
# of the configuration's dict form, validated whole by nts.config (nothing half-applied:
# an invalid change leaves everything as it was), written atomically to flash
# (nts.state.write_atomic: a power cut leaves the old file or the new one), and only then
# handed to the engine, which takes it into use at its next round boundary
# (Engine.reconfigure): no NTS or time setting needs a reboot.
#
#   station = Station(Config.from_dict(load(path) or defaults), path, engine, hook)
#   v16.change_configuration(station, {"key": "ntp.legal.minServers", "value": "2"})
#
# hook(event) gets {"event": "NTPConfigurationChanged", "log": "security", ...} for
# every accepted change (white paper: every NTP/NTS configuration change is logged).
import json

from nts.config import Config
from nts.errors import NTSError


def load(path):
    """The persisted configuration dict at `path` (or its complete `path`.tmp, see
    write_atomic), or None when there is none that parses."""
    for p in (path, path + ".tmp"):
        try:
            with open(p) as f:
                d = json.load(f)
            Config.from_dict(d)
            return d
        except (OSError, ValueError, NTSError):     # missing, torn, or invalid
            pass
    return None


class Station:
    """config: the Config in force. path: where accepted changes persist (None: not
    persisted). engine: the running Engine (None: no engine yet). now_ns: the clock's
    reading for event time stamps."""

    def __init__(self, config, path=None, engine=None, hook=None, now_ns=None):
        self.config = config
        self.path = path
        self.engine = engine
        self.hook = hook
        self.now_ns = now_ns
        self.last_reason = ""   # why the last change was refused (1.6 has no field)

    def working_copy(self):
        return self.config.to_dict()

    def commit(self, d, what):
        """Make config dict `d` the configuration: ConfigError when it is invalid,
        OSError when it cannot be persisted (then nothing changed). `what` names the
        change for the log."""
        new = Config.from_dict(d)
        d = new.to_dict()
        if d == self.config.to_dict():
            return new
        if self.path is not None:
            # Imported here: the handlers that only read need neither (heap of a bundle).
            from nts.atomicfile import write_atomic
            write_atomic(self.path, _json_chunks(d))
        self.config = new
        if self.engine is not None:
            self.engine.reconfigure(new)
        if self.hook is not None:
            from nts.policy import LOG_SECURITY
            self.hook({"event": "NTPConfigurationChanged", "log": LOG_SECURITY,
                       "time_ns": self.now_ns() if self.now_ns else 0, "change": what})
        return new


def _json_chunks(d):
    """The JSON text of config dict `d` as one chunk per server: 16 servers need no
    single 7 KB block."""
    out = [b'{"servers": [']
    for i, s in enumerate(d["servers"]):
        out.append(((", " if i else "") + json.dumps(s)).encode())
    out.append(('], "groups": %s, "clock": %s}'
                % (json.dumps(d["groups"]), json.dumps(d["clock"]))).encode())
    return out
