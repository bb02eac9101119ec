# The sync configuration, named as the OCPP time white paper names it (see
# shared/WHITEPAPER.md): one NTPClientController per server, one NTPClientGroupController
# per group (`legal`: billing time, `local`: load management), and the ClockCtrlr
# threshold. A board stores the dict form (JSON); the OCPP layer writes it, through
# Config.set_variable for 2.x SetVariables (OCPP 1.6 keys map onto the same variables).
#
#   {"servers": [{"Instance": "ptb1", "ServerURL": "ptbtime1.ptb.de", ...}, ...],
#    "groups": {"legal": {"MinServers": 2, "Clients": ["ptb1", "ptb2"], ...}},
#    "clock": {"StepThreshold": 0.128, "TimeAdjustmentReportingThreshold": 5,
#              "TimeSource": ["NTP", "Heartbeat"], "TimeOffset": "+01:00",
#              "TimeZone": "Europe/Berlin"}}
#
# Everything is validated up front into a new object: an invalid value raises
# ConfigError naming the field (e.g. `servers[2].ServerPort`) and nothing is applied.
# Values are JSON-typed (ints, numbers, bools, strings, lists); OCPP's string values
# ("123" for ServerPort) are converted by nts.values with the kind from the field tables
# below (set_variable takes either). Unknown variables are errors, so a typo cannot
# silently leave a default in force.
import hashlib
from nts.errors import ConfigError

MODE_NTS = "NTSv4"
MODE_NTP = "NTPv4"
MODE_NTP_TLS = "NTPv4TLS"      # NTPv4 inside TLS to a Smart Meter Gateway
MODES = (MODE_NTS, MODE_NTP, MODE_NTP_TLS)

GROUPS = ("legal", "local")
# RAM per server (cookies, filter samples) is the limit on a board; tunable.
MAX_SERVERS = 16
_NTP_PORT = 123     # RFC 5905; ServerPort's default

# Field kinds: (name, kind, default, lo, hi). "int"/"num" are range-checked, "str" is
# length-checked (lo..hi chars), "host" is a DNS name or IP literal, "list" is a list of
# strings (a comma-separated string is accepted, as OCPP list variables are).
# Decisions (not fixed by the white paper) are marked (*).
SERVER_FIELDS = (
    ("Instance", "str", None, 1, 50),            # (*) default "ntp<index+1>"
    ("ServerURL", "host", None, 1, 253),
    ("ServerPort", "int", _NTP_PORT, 1, 65535),     # NTPv4 only (NTS-KE negotiates)
    ("Mode", "str", MODE_NTS, 1, 16),
    ("DelayAsymmetry", "num", 0, -10000, 10000),     # ms: outbound minus return delay
    ("DelayVarAsymmetry", "num", 0, 0, 10000),       # ms (*) added to the dispersion
    ("Priority", "int", 0, 0, 255),
    ("MinInterval", "int", 30, 1, 604800),           # s
    ("MaxInterval", "int", 3600, 1, 604800),         # s
    ("Preflight", "int", 60, 0, 604800),             # s idle before a warm-up packet; 0 = off
    ("ErrorLogging", "int", 5, 0, 65535),            # 0 = never log
    ("NTSKEServerURL", "host", "", 0, 253),          # "" = ServerURL
    ("NTSKEServerPort", "int", 4460, 1, 65535),
    ("RootCAs", "str", "", 0, 50),                   # certificate group; "" = default set
    ("NoCertTimeCheckAfterReboot", "bool", False, 0, 0),
    ("MinRefresh", "int", 86400, 60, 31536000),      # s (*) NTS-KE re-key window
    ("MaxRefresh", "int", 172800, 60, 31536000),     # s (*)
    ("AEADAlgorithm", "list", ["AES-SIV-CMAC-256"], 1, 2),   # preference order
    ("SignedResponses", "bool", False, 0, 0),
    # (*) NTPv4TLS only (nts.smgw): the station certificate + key presented to the Smart
    # Meter Gateway, by name in the certificate store as RootCAs names a CA group;
    # "" = none (a gateway that requires one refuses the handshake).
    ("ClientCertificate", "str", "", 0, 50),
)

GROUP_FIELDS = (
    ("Clients", "list", None, 0, MAX_SERVERS),       # (*) default: every server
    ("MinServers", "int", 1, 1, 255),
    ("MaxDeviation", "num", 60, 0.001, 86400),       # s
    ("ErrorLogging", "int", 5, 0, 65535),
    ("MaxErrors", "int", 10, 0, 65535),              # 0 = never disable legal features
    ("AllowNTPv4", "bool", None, 0, 0),              # (*) mpnts: legal False, local True
)

CLOCK_FIELDS = (
    ("StepThreshold", "num", 0.128, 0, 86400),       # s: RFC 5905 STEPT; slew below
    ("TimeAdjustmentReportingThreshold", "num", 5, 0, 86400),   # s: SettingSystemTime
    # OCPP ClockCtrlr TimeSource, in order of preference. (*) Default NTP only: a CSMS's
    # Heartbeat/BootNotification time is used only where the operator lists it.
    ("TimeSource", "list", ["NTP"], 1, 6),
    # Local time for people (OCMF meter values, displays), never for the clock, which
    # stays UTC: an RFC 3339 offset and an IANA zone name ("" = none). nts.localtime.
    ("TimeOffset", "str", "+00:00", 6, 6),
    ("TimeZone", "str", "", 0, 64),
)
# ClockCtrlr TimeSource values (OCPP 2.0.1 TimeSourceEnumType) this firmware implements
# (nts.ocpp.csmstime: Heartbeat, NTP, RealTimeClock), and the ones it has no receiver
# for, which are refused rather than accepted and never used. Without "NTP" the engine
# runs no NTS/NTP round at all (Config.uses_ntp, NTP_OFF). With NTP listed, the engine
# syncs wherever it stands in the list: the order decides only when the CSMS time is
# used (nts.ocpp.csmstime). "Heartbeat" before "NTP" is accepted: the CSMS time is then
# used even while the clock group has NTP time, except over a valid legal-group NTS
# result, which CSMS time never overrides (issue 10) - so with a legal group the two
# orders behave alike. "RealTimeClock" before "NTP" would mean NTS never corrects a
# trusted clock: the engine does not implement that, so it is refused.
TIME_SOURCES = ("Heartbeat", "NTP", "RealTimeClock")
UNIMPLEMENTED_TIME_SOURCES = ("GPS", "MobileNetwork", "RadioTimeTransmitter")
NTP_OFF = "NTP is not in ClockCtrlr TimeSource"

_HOST_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_[]%"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check(path, kind, value, lo, hi):
    """Validated (normalized) value of one field, or ConfigError naming `path`."""
    if kind == "int":
        if not _is_int(value):
            raise ConfigError(path, "must be an integer")
        if not lo <= value <= hi:
            raise ConfigError(path, "must be in %d..%d" % (lo, hi))
        return value
    if kind == "num":
        if not (_is_int(value) or isinstance(value, float)):
            raise ConfigError(path, "must be a number")
        if not lo <= value <= hi:       # also rejects NaN (all comparisons false)
            raise ConfigError(path, "must be in %s..%s" % (lo, hi))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(path, "must be true or false")
        return value
    if kind == "list":
        if isinstance(value, str):
            value = [s.strip() for s in value.split(",")] if value.strip() else []
        if not isinstance(value, (list, tuple)):
            raise ConfigError(path, "must be a list of strings")
        out = []
        for item in value:
            if not isinstance(item, str) or not item:
                raise ConfigError(path, "entries must be non-empty strings")
            if item in out:
                raise ConfigError(path, "duplicate entry %s" % item)
            out.append(item)
        if not lo <= len(out) <= hi:
            raise ConfigError(path, "must have %d..%d entries" % (lo, hi))
        return out
    # "str" and "host"
    if not isinstance(value, str):
        raise ConfigError(path, "must be a string")
    if not lo <= len(value) <= hi:
        raise ConfigError(path, "length must be %d..%d" % (lo, hi))
    if kind == "host":
        for c in value:
            if c not in _HOST_CHARS:
                raise ConfigError(path, "not a host name or IP address")
    return value


def _fields(path, src, spec):
    """Validate dict `src` against `spec`; returns a new dict with defaults filled in."""
    if not isinstance(src, dict):
        raise ConfigError(path, "must be an object")
    known = [f[0] for f in spec]
    for key in src:
        if key not in known:
            raise ConfigError("%s.%s" % (path, key), "unknown variable")
    out = {}
    for name, kind, default, lo, hi in spec:
        if name in src:
            out[name] = _check("%s.%s" % (path, name), kind, src[name], lo, hi)
        elif isinstance(default, list):
            out[name] = list(default)
        else:
            out[name] = default
    return out


class ServerConfig:
    """One NTPClientController instance. Variables are attributes, named as in OCPP."""

    def __init__(self, fields):
        for k in fields:
            setattr(self, k, fields[k])

    def ke_host(self):
        return self.NTSKEServerURL or self.ServerURL

    def aead_ids(self):
        """AEADAlgorithm as RFC 8915 identifiers, in preference order."""
        from nts.aead import NAMES   # the AEAD table (importing it loads no cipher)
        return [NAMES[n] for n in self.AEADAlgorithm]

    def to_dict(self):
        d = {}
        for f in SERVER_FIELDS:
            v = getattr(self, f[0])
            d[f[0]] = list(v) if isinstance(v, list) else v
        return d

    def __repr__(self):
        return "<ServerConfig %s %s %s:%d>" % (self.Instance, self.Mode, self.ServerURL,
                                               self.ServerPort)


class GroupConfig:
    """One NTPClientGroupController instance (`legal` or `local`)."""

    def __init__(self, name, fields):
        self.name = name
        for k in fields:
            setattr(self, k, fields[k])

    def to_dict(self):
        d = {}
        for f in GROUP_FIELDS:
            v = getattr(self, f[0])
            d[f[0]] = list(v) if isinstance(v, list) else v
        return d

    def __repr__(self):
        return "<GroupConfig %s min=%d clients=%s>" % (self.name, self.MinServers,
                                                       ",".join(self.Clients))


def _server(i, src):
    path = "servers[%d]" % i
    if isinstance(src, dict) and "ServerURL" not in src:
        raise ConfigError(path + ".ServerURL", "required")
    f = _fields(path, src, SERVER_FIELDS)
    if f["Instance"] is None:
        f["Instance"] = "ntp%d" % (i + 1)
    if f["Mode"] not in MODES:
        raise ConfigError(path + ".Mode", "must be one of " + ", ".join(MODES))
    if f["Mode"] == MODE_NTS and f["ServerPort"] != _NTP_PORT:
        # RFC 8915 4.1.7/4.1.8: NTS-KE names the NTP server and port (default 123), so a
        # ServerPort here would be accepted and never used.
        raise ConfigError(path + ".ServerPort", "not used with Mode NTSv4: the NTP port comes"
                          " from the key exchange (set NTSKEServerPort for NTS-KE)")
    if f["SignedResponses"] and f["Mode"] != MODE_NTS:
        # The signing key comes from NTS-KE (nts.signed): nothing to sign without it.
        raise ConfigError(path + ".SignedResponses", "needs Mode %s" % MODE_NTS)
    if f["MinInterval"] > f["MaxInterval"]:
        raise ConfigError(path + ".MinInterval", "must not exceed MaxInterval")
    if f["MinRefresh"] > f["MaxRefresh"]:
        raise ConfigError(path + ".MinRefresh", "must not exceed MaxRefresh")
    from nts.aead import NAMES
    for name in f["AEADAlgorithm"]:
        if name not in NAMES:
            raise ConfigError(path + ".AEADAlgorithm",
                              "unknown algorithm %s (known: %s)" % (name, ", ".join(sorted(NAMES))))
    return ServerConfig(f)


def _source_key(s):
    if s.Mode == MODE_NTS:
        return (s.ke_host().lower(), s.NTSKEServerPort)
    return (s.ServerURL.lower(), s.ServerPort)


def _duplicate_warnings(servers, groups):
    """Valid but suspicious: the same server configured twice counts once towards
    MinServers (nts.sources), so a group may need fewer servers than it seems to have."""
    out = []
    first = {}
    for s in servers:
        k = _source_key(s)
        if k in first:
            out.append("servers %s and %s are the same server %s:%d: they count once"
                       % (first[k].Instance, s.Instance, k[0], k[1]))
        else:
            first[k] = s
    for g in sorted(groups):
        grp = groups[g]
        n = len(set(_source_key(s) for s in servers if s.Instance in grp.Clients))
        if n < grp.MinServers:
            out.append("group %s: MinServers %d but only %d distinct servers"
                       % (g, grp.MinServers, n))
    return out


class Config:
    """A validated configuration; build with Config.from_dict (or Config.default).
    `warnings`: sound but suspicious settings (duplicate servers), for the log."""

    def __init__(self, servers, groups, clock):
        self.servers = servers      # list of ServerConfig, in configured order
        self.groups = groups        # {"legal": GroupConfig, ...}
        self.clock = clock          # {"StepThreshold": s, "TimeAdjustmentReportingThreshold": s}
        self.warnings = []

    @staticmethod
    def from_dict(d):
        if not isinstance(d, dict):
            raise ConfigError("config", "must be an object")
        for key in d:
            if key not in ("servers", "groups", "clock"):
                raise ConfigError(key, "unknown section")
        raw_servers = d.get("servers")
        if not isinstance(raw_servers, (list, tuple)) or not raw_servers:
            raise ConfigError("servers", "at least one server is required")
        if len(raw_servers) > MAX_SERVERS:
            raise ConfigError("servers", "at most %d servers" % MAX_SERVERS)
        servers = []
        by_name = {}
        for i, src in enumerate(raw_servers):
            s = _server(i, src)
            if s.Instance in by_name:
                raise ConfigError("servers[%d].Instance" % i, "duplicate instance %s" % s.Instance)
            by_name[s.Instance] = i
            servers.append(s)

        raw_groups = d.get("groups", {"legal": {}})
        if not isinstance(raw_groups, dict) or not raw_groups:
            raise ConfigError("groups", "must name at least one of: " + ", ".join(GROUPS))
        groups = {}
        member = [False] * len(servers)
        for gname in GROUPS:
            if gname not in raw_groups:
                continue
            path = "groups." + gname
            f = _fields(path, raw_groups[gname], GROUP_FIELDS)
            if f["Clients"] is None:
                f["Clients"] = [s.Instance for s in servers]
            if f["AllowNTPv4"] is None:
                f["AllowNTPv4"] = gname == "local"
            for c in f["Clients"]:
                if c not in by_name:
                    raise ConfigError(path + ".Clients", "no server with Instance %s" % c)
                i = by_name[c]
                member[i] = True
                if servers[i].Mode == MODE_NTP and not f["AllowNTPv4"]:
                    raise ConfigError("servers[%d].Mode" % i,
                                      "plain NTPv4 is not allowed in group %s" % gname)
            if f["MinServers"] > len(f["Clients"]):
                raise ConfigError(path + ".MinServers",
                                  "exceeds the group's %d clients" % len(f["Clients"]))
            groups[gname] = GroupConfig(gname, f)
        for gname in raw_groups:
            if gname not in GROUPS:
                raise ConfigError("groups." + str(gname), "unknown group (legal or local)")
        for i, used in enumerate(member):
            if not used:
                raise ConfigError("servers[%d].Instance" % i, "server is in no group")

        clock = _fields("clock", d.get("clock", {}), CLOCK_FIELDS)
        for src in clock["TimeSource"]:
            if src in UNIMPLEMENTED_TIME_SOURCES:
                raise ConfigError("clock.TimeSource", "%s is not implemented by this firmware"
                                  " (implemented: %s)" % (src, ", ".join(TIME_SOURCES)))
            if src not in TIME_SOURCES:
                raise ConfigError("clock.TimeSource", "unknown time source %s (known: %s)"
                                  % (src, ", ".join(TIME_SOURCES)))
        order = clock["TimeSource"]
        if "NTP" in order and "RealTimeClock" in order[:order.index("NTP")]:
            raise ConfigError("clock.TimeSource", "RealTimeClock before NTP is not implemented"
                              " by this firmware: list NTP first")
        if clock["TimeOffset"] != "+00:00" or clock["TimeZone"]:
            from nts.localtime import check     # only a board that sets them loads it
            check(clock)
        config = Config(servers, groups, clock)
        config.warnings = _duplicate_warnings(servers, groups)
        return config

    @staticmethod
    def default(urls):
        """A legal-group config for the given server host names, all defaults."""
        return Config.from_dict({"servers": [{"ServerURL": u} for u in urls]})

    def to_dict(self):
        return {"servers": [s.to_dict() for s in self.servers],
                "groups": dict((n, g.to_dict()) for n, g in self.groups.items()),
                "clock": dict(self.clock)}

    def uses_ntp(self):
        """Whether ClockCtrlr TimeSource lists NTP: else the engine runs no round (NTP_OFF)."""
        return "NTP" in self.clock["TimeSource"]

    def server(self, instance):
        for s in self.servers:
            if s.Instance == instance:
                return s
        raise KeyError(instance)

    def set_variable(self, component, instance, variable, value):
        """A new Config with one OCPP variable changed (SetVariables): component is
        "NTPClientController" (instance = server Instance), "NTPClientGroupController"
        (instance = group) or "ClockCtrlr" (instance ignored). `value` is typed (JSON) or
        an OCPP string ("123"), converted by nts.values. Self is left unchanged."""
        d = self.to_dict()
        if isinstance(value, str):
            fields = {"NTPClientController": SERVER_FIELDS, "ClockCtrlr": CLOCK_FIELDS,
                      "NTPClientGroupController": GROUP_FIELDS}.get(component, ())
            for f in fields:
                if f[0] == variable:
                    from nts.values import parse
                    value = parse(variable, f[1], value)
        if component == "NTPClientController":
            for s in d["servers"]:
                if s["Instance"] == instance:
                    s[variable] = value
                    break
            else:
                raise ConfigError("servers", "no server with Instance %s" % instance)
        elif component == "NTPClientGroupController":
            if instance not in GROUPS:
                raise ConfigError("groups." + str(instance), "unknown group (legal or local)")
            d["groups"].setdefault(instance, {})[variable] = value
        elif component == "ClockCtrlr":
            d["clock"][variable] = value
        else:
            raise ConfigError(str(component), "unknown component")
        return Config.from_dict(d)

    def digest(self):
        """16 bytes identifying this configuration (binds persisted state to it)."""
        return hashlib.sha256(canonical(self.to_dict()).encode()).digest()[:16]


def canonical(v):
    """Deterministic JSON-like text (sorted keys): MicroPython's json has no sort_keys."""
    if isinstance(v, dict):
        return "{" + ",".join("%s:%s" % (canonical(k), canonical(v[k])) for k in sorted(v)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)
