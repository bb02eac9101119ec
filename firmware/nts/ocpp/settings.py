# The one settings table: every NTS/time setting once, with its OCPP 1.6 key and its
# OCPP 2.x component / variable. Type, limits, default and the validation itself are
# nts.config's (SERVER_FIELDS, GROUP_FIELDS, CLOCK_FIELDS): this table only binds names
# to those fields, so a new config field cannot get out of step with OCPP. Operator docs
# are generated from table(): keep this module's path (nts.ocpp.settings) stable.
#
# 2.x: NTPClientController[<server Instance>], NTPClientGroupController[legal|local],
# ClockCtrlr. 1.6: `ntp.<group>.*`, `ntske.<group>.*`, `nts.<group>.*` (white paper),
# where a per-server key is a list over the group's Clients, in order:
#   - comma-separated, one entry per server; a shorter list repeats its last value;
#   - an empty entry takes the previous one (a leading empty entry is the empty value,
#     e.g. `ntske.legal.servers` "" = every server's NTS-KE host is its ServerURL);
#   - a longer list is an error, except for `ntp.<group>.servers`, which sets the group's
#     servers: new entries become servers `<group><n>` with the last server's settings,
#     dropped entries leave the group (and the configuration when in no other group);
#   - `ntske.<group>.aead`: each entry is the server's algorithms, space-separated.
#   Read back, trailing repeats are left out (the shortest list meaning the same).
# Decisions (*): `ntp.reboot.noCertTimeCheck` is every server's NoCertTimeCheckAfterReboot
# (reads true only when all are); StepThreshold, AllowNTPv4 and the 1.6 keys
# `ntp.timeSource`, `ntp.stepThreshold`, `ntp.timeAdjustmentReportingThreshold`,
# `ntp.<group>.allowNTPv4`
# are mpnts's; `ntp.enabled` and `ntp.reboot.allowJumps` are read-only true (mpnts always
# syncs, and steps after a reboot when MinServers agree). SignedResponses is writable
# since nts.signed implements it (issue 12).
# ClockCtrlr: TimeOffset and TimeZone are local time for people (nts.localtime; 1.6
# `ntp.timeOffset`, `ntp.timeZone` (*)); DateTime, NtpSource and NtpServerUri are
# read-only views (CLOCK_VIEWS), not settings: DateTime is the clock's UTC time;
# NtpSource is "manual" (servers come from NTPClientController, never from DHCP: NTS
# needs names it can check certificates against); NtpServerUri[<n>] (variable instance
# = priority digit, 1 = first) is the n-th server in the engine's order (Priority, then
# configured order) as a URI (*): nts://<NTS-KE host>[:port] for NTSv4,
# ntp://<host>[:port] for NTPv4, ntp+tls://<host>[:port] for NTPv4TLS. A server is
# changed through its NTPClientController, which says what a URI cannot (RootCAs...).
# No setting needs a reboot: the engine takes a new configuration at a round boundary.
from nts import aead
from nts import config as cfgmod
from nts.errors import ConfigError, NTSError
from nts.values import parse, text

SERVER = "NTPClientController"
GROUP = "NTPClientGroupController"
CLOCK = "ClockCtrlr"

# (1.6 key, "%s" = group; 2.x variable of NTPClientController)
SERVER_KEYS = (
    ("ntp.%s.servers", "ServerURL"),
    ("ntp.%s.ports", "ServerPort"),
    ("ntp.%s.mode", "Mode"),
    ("ntp.%s.delayAsym", "DelayAsymmetry"),
    ("ntp.%s.delayVarAsym", "DelayVarAsymmetry"),
    ("ntp.%s.priority", "Priority"),
    ("ntp.%s.minInterval", "MinInterval"),
    ("ntp.%s.maxInterval", "MaxInterval"),
    ("ntp.%s.preflight", "Preflight"),
    ("ntp.%s.rootCAs", "RootCAs"),
    ("ntp.%s.clientCertificate", "ClientCertificate"),
    ("ntske.%s.servers", "NTSKEServerURL"),
    ("ntske.%s.ports", "NTSKEServerPort"),
    ("ntske.%s.minRefresh", "MinRefresh"),
    ("ntske.%s.maxRefresh", "MaxRefresh"),
    ("ntske.%s.aead", "AEADAlgorithm"),
    ("nts.%s.signedResponses", "SignedResponses"),
)
# (1.6 key, 2.x variable of NTPClientGroupController). maxDeviation is legal-only in
# the paper's 1.6 list; 2.x has it on both instances.
GROUP_KEYS = (
    ("ntp.%s.minServers", "MinServers"),
    ("ntp.%s.maxDeviation", "MaxDeviation"),
    ("ntp.%s.errorLogging", "ErrorLogging"),
    ("ntp.%s.maxErrors", "MaxErrors"),
    ("ntp.%s.allowNTPv4", "AllowNTPv4"),
)
LEGAL_ONLY = ("ntp.%s.maxDeviation",)
CLOCK_KEYS = (
    ("ntp.timeSource", "TimeSource"),
    ("ntp.stepThreshold", "StepThreshold"),
    ("ntp.timeAdjustmentReportingThreshold", "TimeAdjustmentReportingThreshold"),
    ("ntp.timeOffset", "TimeOffset"),
    ("ntp.timeZone", "TimeZone"),
)
# ClockCtrlr views (module comment): (variable, OCPP dataType), as field-like tuples.
CLOCK_VIEWS = (("DateTime", "dateTime"), ("NtpSource", "OptionList"),
               ("NtpServerUri", "string"))
MAX_URI_RANK = 9
ALL_SERVERS_KEYS = (("ntp.reboot.noCertTimeCheck", "NoCertTimeCheckAfterReboot"),)
FIXED_KEYS = (("ntp.enabled", "true"), ("ntp.reboot.allowJumps", "true"))
READ_ONLY = ("DateTime", "NtpSource", "NtpServerUri")

UNITS = {"DelayAsymmetry": "ms", "DelayVarAsymmetry": "ms", "MinInterval": "s",
         "MaxInterval": "s", "Preflight": "s", "MinRefresh": "s", "MaxRefresh": "s",
         "MaxDeviation": "s", "StepThreshold": "s", "TimeAdjustmentReportingThreshold": "s"}
OPTIONS = {"Mode": ",".join(cfgmod.MODES), "AEADAlgorithm": ",".join(sorted(aead.NAMES)),
           "TimeSource": ",".join(cfgmod.TIME_SOURCES), "NtpSource": "manual"}
_DATA_TYPES = {"int": "integer", "num": "decimal", "bool": "boolean", "str": "string",
               "host": "string"}


class UnknownSetting(NTSError):
    """No such component (instance) or variable; `component` says which is unknown."""

    def __init__(self, message, component):
        super().__init__(message)
        self.component = component


class ReadOnlySetting(ConfigError):
    """A write to a read-only setting."""

    def __init__(self, field):
        super().__init__(field, "read-only")


def _spec(fields, name):
    for f in fields:
        if f[0] == name:
            return f
    raise UnknownSetting("unknown variable %s" % name, False)


def spec(component, variable):
    """nts.config's field tuple (name, kind, default, lo, hi) of a 2.x variable."""
    if component == SERVER:
        if variable == "Instance":      # the component instance, not a variable
            raise UnknownSetting("unknown variable Instance", False)
        return _spec(cfgmod.SERVER_FIELDS, variable)
    if component == GROUP:
        return _spec(cfgmod.GROUP_FIELDS, variable)
    if component == CLOCK:
        for v, _ in CLOCK_VIEWS:
            if v == variable:
                return (v, "view", None, None, None)
        return _spec(cfgmod.CLOCK_FIELDS, variable)
    raise UnknownSetting("unknown component %s" % component, True)


def data_type(component, variable):
    kind = spec(component, variable)[1]
    if kind == "view":
        for v, t in CLOCK_VIEWS:
            if v == variable:
                return t
    if kind == "list":
        return "MemberList" if variable == "Clients" else "SequenceList"
    if variable in OPTIONS:
        return "OptionList"
    return _DATA_TYPES[kind]


def mutability(variable):
    return "ReadOnly" if variable in READ_ONLY else "ReadWrite"


def variables(component):
    fields = {SERVER: cfgmod.SERVER_FIELDS, GROUP: cfgmod.GROUP_FIELDS,
              CLOCK: CLOCK_VIEWS + cfgmod.CLOCK_FIELDS}[component]
    return [f[0] for f in fields if f[0] != "Instance"]


def has_instances(component, variable):
    """Whether a variable has variable instances (ClockCtrlr NtpServerUri[<n>])."""
    return component == CLOCK and variable == "NtpServerUri"


def persistent(variable):
    return variable != "DateTime"


# --- the configuration's dict form, read and written by 2.x variable (1.6: nts.ocpp.v16) ---

def server_dict(d, instance):
    for s in d["servers"]:
        if s["Instance"] == instance:
            return s
    return None


def get_variable(d, component, instance, variable, var_instance=None, now_ns=None):
    """A 2.x variable's OCPP string from a full config dict (Config.to_dict()).
    var_instance: the variable's instance (NtpServerUri); now_ns: the clock (DateTime)."""
    kind = spec(component, variable)[1]
    if kind == "view":      # imported here: only a read of a view needs the code
        from nts.ocpp.clockviews import value
        return value(d, variable, var_instance, now_ns)
    if component == SERVER:
        s = server_dict(d, instance)
        if s is None:
            raise UnknownSetting("no %s[%s]" % (SERVER, instance), True)
        return text(kind, s[variable])
    if component == GROUP:
        g = d["groups"].get(instance)
        if g is None:
            raise UnknownSetting("no %s[%s]" % (GROUP, instance), True)
        return text(kind, g[variable])
    return text(kind, d["clock"][variable])


def set_variable(d, component, instance, variable, value):
    """Write a 2.x variable's OCPP string into config dict `d` (in place; the caller
    validates the whole dict with Config.from_dict). NTPClientController[x].ServerURL
    for a new x adds server x; NTPClientGroupController[g].Clients for an absent g adds
    group g."""
    kind = spec(component, variable)[1]
    if variable in READ_ONLY:
        raise ReadOnlySetting(variable)
    v = parse(variable, kind, value)
    if component == SERVER:
        s = server_dict(d, instance)
        if s is None:
            if variable != "ServerURL" or not instance:
                raise UnknownSetting("no %s[%s]" % (SERVER, instance), True)
            s = {"Instance": instance}
            d["servers"].append(s)
        s[variable] = v
    elif component == GROUP:
        g = d["groups"].get(instance)
        if g is None:
            if variable != "Clients" or instance not in cfgmod.GROUPS:
                raise UnknownSetting("no %s[%s]" % (GROUP, instance), True)
            g = d["groups"][instance] = {}
        g[variable] = v
    else:
        d["clock"][variable] = v


def drop_orphans(d, candidates):
    """Remove the servers named in `candidates` that no group lists any more (a server
    leaves the configuration with its last group; a new one is never dropped)."""
    used = []
    for g in d["groups"].values():
        used += g.get("Clients", ())
    d["servers"] = [s for s in d["servers"]
                    if s["Instance"] not in candidates or s["Instance"] in used]


# --- the table for documentation and reports ---------------------------------------------

def _keys_of(variable, scope_keys):
    return [k for k, v in scope_keys if v == variable]


def table():
    """One row per 2.x variable (plus the 1.6-only keys): the documentation's table.
    Keys: component, variable, key16 (1.6 key, "<group>" for the group name, or ""),
    dataType, unit, minLimit, maxLimit, valuesList, default, mutability, persistent,
    reboot, instances (the variable instances, e.g. "1..9", or "")."""
    rows = []
    for component, scope_keys in ((SERVER, SERVER_KEYS + ALL_SERVERS_KEYS),
                                  (GROUP, GROUP_KEYS), (CLOCK, CLOCK_KEYS)):
        for var in variables(component):
            name, kind, default, lo, hi = spec(component, var)
            if kind == "view":
                rows.append({"component": component, "variable": var, "key16": "",
                             "dataType": data_type(component, var), "unit": "",
                             "minLimit": None, "maxLimit": None,
                             "valuesList": OPTIONS.get(var, ""),
                             "default": "", "mutability": "ReadOnly",
                             "persistent": persistent(var), "reboot": False})
                continue
            k = _keys_of(var, scope_keys)
            rows.append({"component": component, "variable": var,
                         "key16": (k[0].replace("%s", "<group>") if k else ""),
                         "dataType": data_type(component, var), "unit": UNITS.get(var, ""),
                         "minLimit": lo if kind in ("int", "num") else None,
                         "maxLimit": hi if kind != "bool" else None,
                         "valuesList": OPTIONS.get(var, ""),
                         "default": "" if default is None else text(kind, default),
                         "mutability": mutability(var), "persistent": True, "reboot": False})
    for r in rows:
        r["instances"] = "1..%d" % MAX_URI_RANK if has_instances(r["component"],
                                                                  r["variable"]) else ""
    for k, v in FIXED_KEYS:
        rows.append({"component": "", "variable": "", "key16": k, "dataType": "boolean",
                     "unit": "", "minLimit": None, "maxLimit": None, "valuesList": "",
                     "default": v, "mutability": "ReadOnly", "persistent": True,
                     "reboot": False, "instances": ""})
    return rows
