# OCPP in and out for tools/ntscheck.py, in the white paper's names (shared/WHITEPAPER.md):
# read the server set from an OCPP 1.6 key file or a 2.x SetVariables payload, and write
# the checked set back as 1.6 ChangeConfiguration requests and one 2.x SetVariables
# request, ready for a CSMS.
#
# Both directions go through the charger's own OCPP layer, so the checker reads and
# writes exactly what a charger would: nts.ocpp.v16.set_key / get_key (the paper's list
# rules: one entry per server, a shorter list repeats its last value, an empty entry
# takes the previous one, a longer list is an error), nts.ocpp.settings.set_variable /
# get_variable, the one string conversion (nts.ocpp.values) and nts.config's validation
# of the whole. A set a charger would reject is a usage error here, with its reason.
#
# This module only reads the file formats. 1.6 key file: `key=value` lines (`#`
# comments, values optionally in double quotes), or JSON: a GetConfiguration.conf
# ({"configurationKey": [{"key", "value"}, ...]}), a list of ChangeConfiguration.req
# ({"key", "value"}), or one {key: value} object. Keys that are not NTS keys are
# ignored (a charger's whole GetConfiguration will do); read-only keys must hold their
# fixed value. 2.x: a SetVariablesRequest ({"setVariableData": [...]}) or its list of
# SetVariableData; components that are not NTS/time components are ignored.
import json

from nts.config import GROUPS, MODE_NTS, Config
from nts.errors import ConfigError
from nts.ocpp import settings, v16

KE_PORT = 4460
MAX_KEY = v16.MAX_KEY
MAX_VALUE = v16.MAX_VALUE
# What the checked set is configured with when nothing else is said: the white paper's
# example certificate group for legal time.
DEFAULT_CA_GROUP = "legalTimeCA"


def _read_json_or_text(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(path, "cannot read: %s" % e)
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text), None
        except ValueError as e:
            raise ConfigError(path, "not valid JSON: %s" % e)
    return None, text


def read_keys16(path):
    """{key: value} of an OCPP 1.6 key file (any of the forms above)."""
    data, text = _read_json_or_text(path)
    if text is not None:
        keys = {}
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise ConfigError("%s:%d" % (path, n), "expected key=value")
            k, v = line.split("=", 1)
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1]
            keys[k.strip()] = v
        return keys
    if isinstance(data, dict) and "configurationKey" in data:
        data = data["configurationKey"]
    if isinstance(data, dict):
        return dict((k, str(v)) for k, v in data.items())
    keys = {}
    for item in data if isinstance(data, list) else [None]:
        if not isinstance(item, dict) or "key" not in item:
            raise ConfigError(path, "expected {\"key\", \"value\"} entries")
        keys[item["key"]] = str(item.get("value", ""))
    return keys


def _empty():
    return {"servers": [], "groups": {}, "clock": {}}


def config_from_keys16(keys):
    """The validated Config that these 1.6 keys give a charger (nts.ocpp.v16)."""
    d = _empty()
    servers_keys = ["ntp.%s.servers" % g for g in GROUPS]
    fixed = []
    # A group's servers first (they create its servers), the rest in any order.
    for k in sorted(keys, key=lambda k: 0 if k in servers_keys else 1):
        v = keys[k]
        if len(k) > MAX_KEY or len(v) > MAX_VALUE:
            raise ConfigError(k, "longer than OCPP 1.6 allows (key %d, value %d characters)"
                              % (MAX_KEY, MAX_VALUE))
        try:
            v16.set_key(d, k, v)
        except KeyError:
            continue                    # not an NTS key: the charger's stack answers it
        except settings.ReadOnlySetting:
            fixed.append(k)
    if not d["servers"]:
        raise ConfigError("ntp.<group>.servers", "no servers in the key file")
    config = Config.from_dict(d)
    full = config.to_dict()
    for k in fixed:
        want = v16.get_key(full, k)[0]
        if keys[k].strip().lower() != want:
            raise ConfigError(k, "read-only: always %s" % want)
    return config


def config_from_setvariables(data, group):
    """The validated Config that this SetVariables payload gives a charger, starting from
    no configuration (nts.ocpp.settings)."""
    if isinstance(data, dict):
        data = data.get("setVariableData")
    if not isinstance(data, list):
        raise ConfigError("setVariableData", "expected a SetVariablesRequest or its list")
    items = []
    for i, item in enumerate(data):
        try:
            comp = item["component"]
            items.append((comp["name"], comp.get("instance"), item["variable"]["name"],
                          item["attributeValue"]))
        except (KeyError, TypeError):
            raise ConfigError("setVariableData[%d]" % i, "not a SetVariableData")
    d = _empty()
    named = [inst for name, inst, _, _ in items if name == settings.GROUP]
    for g in (named or [group]):
        if g in GROUPS:
            d["groups"][g] = {}         # Clients default: every server
    fixed = []

    def rank(it):
        if it[0] == settings.SERVER and it[2] == "ServerURL":
            return 0                    # creates the server
        return 1
    for name, inst, var, value in sorted(items, key=rank):
        try:
            settings.set_variable(d, name, inst, var, value)
        except settings.ReadOnlySetting:
            fixed.append((name, inst, var, value))
        except settings.UnknownSetting as e:
            if name in (settings.SERVER, settings.GROUP, settings.CLOCK):
                raise ConfigError("%s[%s].%s" % (name, inst or "", var), str(e))
            # another component: the charger's own device model answers it
    config = Config.from_dict(d)
    full = config.to_dict()
    for name, inst, var, value in fixed:
        try:
            want = settings.get_variable(full, name, inst, var)
        except settings.UnknownSetting:
            want = None
        if value != want:
            raise ConfigError("%s[%s].%s" % (name, inst or "", var), "read-only")
    return config


def _targets(config, group, instances):
    if group not in config.groups:
        raise ConfigError("NTPClientGroupController[%s]" % group, "no servers in group %s"
                          % group)
    out = []
    ca = None
    for s in [config.server(c) for c in config.groups[group].Clients]:
        t = {"host": s.ke_host(), "port": s.NTSKEServerPort, "mode": s.Mode}
        if instances:
            t["instance"] = s.Instance
        out.append(t)
        ca = ca or s.RootCAs or None
    return out, config.groups[group].MinServers, ca


def servers_from_keys16(keys, group):
    """(targets, MinServers, RootCAs group or None) from 1.6 keys of `group`. A target is
    {"host" (NTS-KE host), "port" (NTS-KE), "mode"}; 1.6 names no instances."""
    return _targets(config_from_keys16(keys), group, False)


def servers_from_setvariables(path, group):
    """(targets, MinServers, RootCAs or None) from a 2.x SetVariables payload file;
    targets also carry their "instance"."""
    data, _ = _read_json_or_text(path)
    return _targets(config_from_setvariables(data, group), group, True)


# --- the checked set as OCPP configuration ----------------------------------------------

def _instances(targets):
    return [t.get("instance") or "ntp%d" % (i + 1) for i, t in enumerate(targets)]


def _config_dict(targets, min_servers, ca_group, group):
    names = _instances(targets)
    servers = [{"Instance": n, "ServerURL": t["host"], "NTSKEServerPort": t["port"],
                "Mode": MODE_NTS, "RootCAs": ca_group} for n, t in zip(names, targets)]
    d = {"servers": servers, "groups": {group: {"Clients": names, "MinServers": min_servers}}}
    return Config.from_dict(d).to_dict(), names


def change_configuration(targets, min_servers, ca_group, group):
    """OCPP 1.6 ChangeConfiguration.req payloads (one per key) for the set, as a charger's
    GetConfiguration would report them (nts.ocpp.v16.get_key)."""
    d, _ = _config_dict(targets, min_servers, ca_group, group)
    g = group
    out = []
    for k in ("ntp.enabled", "ntp.%s.servers" % g, "ntske.%s.ports" % g, "ntp.%s.mode" % g,
              "ntp.%s.rootCAs" % g, "ntp.%s.minServers" % g):
        v = v16.get_key(d, k)[0]
        if len(k) > MAX_KEY or len(v) > MAX_VALUE:
            raise ConfigError(k, "longer than OCPP 1.6 allows (key %d, value %d characters)"
                              % (MAX_KEY, MAX_VALUE))
        out.append({"key": k, "value": v})
    return out


def set_variables(targets, min_servers, ca_group, group):
    """One OCPP 2.x SetVariablesRequest payload for the set (values as a charger's
    GetVariables gives them, nts.ocpp.settings.get_variable)."""
    d, names = _config_dict(targets, min_servers, ca_group, group)
    data = []

    def put(component, instance, variable):
        data.append({"attributeValue": settings.get_variable(d, component, instance, variable),
                     "component": {"name": component, "instance": instance},
                     "variable": {"name": variable}})
    for name in names:
        for var in ("ServerURL", "NTSKEServerPort", "Mode", "RootCAs"):
            put(settings.SERVER, name, var)
    put(settings.GROUP, group, "Clients")
    put(settings.GROUP, group, "MinServers")
    return {"setVariableData": data}
