# OCPP in and out for tools/ntscheck.py, in the white paper's names (shared/WHITEPAPER.md):
# read the server set from an OCPP 1.6 key file or a 2.x SetVariables payload, and write
# the checked set back as 1.6 ChangeConfiguration requests and one 2.x SetVariables
# request, ready for a CSMS.
#
# 1.6 key file: `key=value` lines (`#` comments, values optionally in double quotes), or
# JSON: a GetConfiguration.conf ({"configurationKey": [{"key", "value"}, ...]}), a list of
# ChangeConfiguration.req ({"key", "value"}), or one {key: value} object. Lists follow
# the paper: comma-separated, one entry per server, a shorter list repeats its last
# value, an empty entry takes the previous one, a longer list is an error.
# 2.x: a SetVariablesRequest ({"setVariableData": [...]}) or its list of SetVariableData.
import json

from nts.errors import ConfigError

KE_PORT = 4460
MODE_NTS = "NTSv4"
MAX_KEY = 50
MAX_VALUE = 500
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


def expand_list(text, n, key):
    """The paper's 1.6 list rules: n entries from a comma-separated value."""
    entries = [e.strip() for e in text.split(",")]
    if len(entries) > n:
        raise ConfigError(key, "%d entries for %d servers" % (len(entries), n))
    out = []
    for e in entries:
        if not e:
            if not out:
                raise ConfigError(key, "the first entry is empty")
            e = out[-1]
        out.append(e)
    while len(out) < n:
        out.append(out[-1])
    return out


def _port(text, key):
    try:
        p = int(text)
    except ValueError:
        p = 0
    if not 0 < p < 65536:
        raise ConfigError(key, "bad port %r" % text)
    return p


def servers_from_keys16(keys, group):
    """(targets, MinServers or None, RootCAs group or None) from 1.6 keys of `group`.
    A target is {"host", "port" (NTS-KE), "mode"}."""
    g = group
    text = keys.get("ntske.%s.servers" % g) or keys.get("ntp.%s.servers" % g)
    if not text:
        raise ConfigError("ntp.%s.servers" % g, "no servers in the key file")
    hosts = [h.strip() for h in text.split(",")]
    if "" in hosts:
        raise ConfigError("ntp.%s.servers" % g, "empty server entry")
    n = len(hosts)
    ports = expand_list(keys.get("ntske.%s.ports" % g, str(KE_PORT)), n, "ntske.%s.ports" % g)
    modes = expand_list(keys.get("ntp.%s.mode" % g, MODE_NTS), n, "ntp.%s.mode" % g)
    targets = [{"host": h, "port": _port(p, "ntske.%s.ports" % g), "mode": md}
               for h, p, md in zip(hosts, ports, modes)]
    ms = keys.get("ntp.%s.minServers" % g)
    return targets, (None if ms is None else _int(ms, "ntp.%s.minServers" % g)), \
        keys.get("ntp.%s.rootCAs" % g) or None


def _int(text, key):
    try:
        return int(text)
    except ValueError:
        raise ConfigError(key, "not an integer: %r" % text)


def servers_from_setvariables(path, group):
    """(targets, MinServers or None, RootCAs or None) from a 2.x SetVariables payload;
    targets also carry their "instance"."""
    data, _ = _read_json_or_text(path)
    if isinstance(data, dict):
        data = data.get("setVariableData")
    if not isinstance(data, list):
        raise ConfigError(path, "expected a SetVariablesRequest or its setVariableData list")
    clients = {}
    order = []
    grp = {}
    for i, item in enumerate(data):
        try:
            comp = item["component"]
            name, var, value = comp["name"], item["variable"]["name"], item["attributeValue"]
        except (KeyError, TypeError):
            raise ConfigError("%s[%d]" % (path, i), "not a SetVariableData")
        inst = comp.get("instance")
        if name == "NTPClientController":
            if inst not in clients:
                clients[inst] = {}
                order.append(inst)
            clients[inst][var] = value
        elif name == "NTPClientGroupController" and inst == group:
            grp[var] = value
    members = [c.strip() for c in grp["Clients"].split(",")] if "Clients" in grp else order
    targets = []
    ca = None
    for inst in members:
        c = clients.get(inst)
        if c is None or not (c.get("NTSKEServerURL") or c.get("ServerURL")):
            raise ConfigError("NTPClientController[%s]" % inst, "no ServerURL")
        targets.append({"instance": inst, "host": c.get("NTSKEServerURL") or c["ServerURL"],
                        "port": _port(c.get("NTSKEServerPort", str(KE_PORT)),
                                      "NTPClientController[%s].NTSKEServerPort" % inst),
                        "mode": c.get("Mode", MODE_NTS)})
        ca = ca or c.get("RootCAs") or None
    if not targets:
        raise ConfigError(path, "no NTPClientController in group %s" % group)
    ms = grp.get("MinServers")
    return targets, (None if ms is None else _int(ms, "MinServers")), ca


def _instances(targets):
    return [t.get("instance") or "ntp%d" % (i + 1) for i, t in enumerate(targets)]


def change_configuration(targets, min_servers, ca_group, group):
    """OCPP 1.6 ChangeConfiguration.req payloads (one per key) for the set."""
    g = group
    pairs = [("ntp.enabled", "true"),
             ("ntp.%s.servers" % g, ",".join(t["host"] for t in targets)),
             ("ntske.%s.ports" % g, ",".join(str(t["port"]) for t in targets)),
             ("ntp.%s.mode" % g, MODE_NTS),
             ("ntp.%s.rootCAs" % g, ca_group),
             ("ntp.%s.minServers" % g, str(min_servers))]
    for k, v in pairs:
        if len(k) > MAX_KEY or len(v) > MAX_VALUE:
            raise ConfigError(k, "longer than OCPP 1.6 allows (key %d, value %d characters)"
                              % (MAX_KEY, MAX_VALUE))
    return [{"key": k, "value": v} for k, v in pairs]


def set_variables(targets, min_servers, ca_group, group):
    """One OCPP 2.x SetVariablesRequest payload for the set."""
    data = []

    def put(component, instance, variable, value):
        data.append({"attributeValue": value,
                     "component": {"name": component, "instance": instance},
                     "variable": {"name": variable}})
    names = _instances(targets)
    for name, t in zip(names, targets):
        put("NTPClientController", name, "ServerURL", t["host"])
        put("NTPClientController", name, "NTSKEServerPort", str(t["port"]))
        put("NTPClientController", name, "Mode", MODE_NTS)
        put("NTPClientController", name, "RootCAs", ca_group)
    put("NTPClientGroupController", group, "Clients", ",".join(names))
    put("NTPClientGroupController", group, "MinServers", str(min_servers))
    return {"setVariableData": data}
