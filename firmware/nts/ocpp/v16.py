# OCPP 1.6 configuration handlers: GetConfiguration and ChangeConfiguration over the
# white paper's `ntp.*` / `ntske.*` / `nts.*` keys (nts.ocpp.settings). Payload in,
# payload out. A charger's own stack answers its other keys: what is not ours comes back
# as unknownKey / NotSupported, for the stack to merge or route elsewhere.
#
# ChangeConfiguration: Accepted, Rejected (value invalid as a whole configuration, key
# read-only, key > 50 or value > 500 characters, or the change could not be persisted;
# 1.6 has no reason field, so the reason is station.last_reason), NotSupported (not an
# NTS key). Never RebootRequired: the engine takes the change at its next round.
from nts.config import GROUPS
from nts.errors import ConfigError
from nts.ocpp import settings
from nts.values import parse, text

MAX_KEY = 50
MAX_VALUE = 500


# --- 1.6 keys on the configuration's dict form (list rules: nts.ocpp.settings) --------

def _group_servers(d, group):
    g = d["groups"].get(group)
    return [] if g is None else [settings.server_dict(d, c) for c in g["Clients"]]


def _key(key):
    """(scope, group, variable) of a 1.6 key; scope: server, group, clock, all, fixed."""
    for k, var in settings.CLOCK_KEYS:
        if k == key:
            return "clock", None, var
    for k, var in settings.ALL_SERVERS_KEYS:
        if k == key:
            return "all", None, var
    for k, v in settings.FIXED_KEYS:
        if k == key:
            return "fixed", None, v
    for group in GROUPS:
        for k, var in settings.SERVER_KEYS:
            if k % group == key:
                return "server", group, var
        for k, var in settings.GROUP_KEYS:
            if k % group == key and (group == "legal" or k not in settings.LEGAL_ONLY):
                return "group", group, var
    return None, None, None


def keys(d):
    """The 1.6 keys, in table order: those of configured groups, plus each absent
    group's `servers` key (setting it creates the group)."""
    out = [k for k, _ in settings.FIXED_KEYS] + [k for k, _ in settings.ALL_SERVERS_KEYS]
    out += [k for k, _ in settings.CLOCK_KEYS]
    for group in GROUPS:
        if group not in d["groups"]:
            out.append(settings.SERVER_KEYS[0][0] % group)
            continue
        out += [k % group for k, _ in settings.SERVER_KEYS]
        out += [k % group for k, _ in settings.GROUP_KEYS
                if group == "legal" or k not in settings.LEGAL_ONLY]
    return out


def _entry_text(kind, v):
    return " ".join(v) if kind == "list" else text(kind, v)


def get_key(d, key):
    """(value, readonly) of a 1.6 key from a full config dict; KeyError when unknown."""
    scope, group, var = _key(key)
    if scope is None:
        raise KeyError(key)
    if scope == "fixed":
        return var, True
    if scope == "clock":
        return text(settings.spec(settings.CLOCK, var)[1], d["clock"][var]), False
    if scope == "all":
        return text("bool", all(s[var] for s in d["servers"])), False
    if scope == "group":
        g = d["groups"].get(group)
        v = settings.spec(settings.GROUP, var)[2] if g is None else g[var]
        return text(settings.spec(settings.GROUP, var)[1], v), False
    kind = settings.spec(settings.SERVER, var)[1]
    entries = [_entry_text(kind, s[var]) for s in _group_servers(d, group)]
    if var != "ServerURL":
        while len(entries) > 1 and entries[-1] == entries[-2]:
            entries.pop()
    return ",".join(entries), var in settings.READ_ONLY


def _entries(key, kind, value, n):
    """A 1.6 list value as n typed entries (the paper's list rules, module comment)."""
    raw = [e.strip() for e in value.split(",")]
    if n is not None and len(raw) > n:
        raise ConfigError(key, "%d entries for %d servers" % (len(raw), n))
    out = []
    for e in raw:
        if e == "" and out:
            out.append(out[-1])
        elif kind == "list":
            out.append(e.split())
        else:
            out.append(parse(key, kind, e))
    if n is not None:
        while len(out) < n:
            out.append(out[-1])
    return out


def set_key(d, key, value):
    """Write a 1.6 key's value into config dict `d` (in place; the caller validates the
    whole dict). KeyError when the key is unknown, ConfigError when the value is not
    acceptable."""
    scope, group, var = _key(key)
    if scope is None:
        raise KeyError(key)
    if scope == "fixed" or var in settings.READ_ONLY:
        raise settings.ReadOnlySetting(key)
    if scope == "clock":
        d["clock"][var] = parse(key, settings.spec(settings.CLOCK, var)[1], value)
        return
    if scope == "all":
        v = parse(key, "bool", value)
        for s in d["servers"]:
            s[var] = v
        return
    g = d["groups"].get(group)
    if scope == "group":
        if g is None:
            raise ConfigError(key, "group %s has no servers: set ntp.%s.servers first"
                              % (group, group))
        g[var] = parse(key, settings.spec(settings.GROUP, var)[1], value)
        return
    if var == "ServerURL":
        _set_servers(d, group, _entries(key, "host", value, None) if value.strip() else [])
        return
    servers = _group_servers(d, group)
    if not servers:
        raise ConfigError(key, "group %s has no servers: set ntp.%s.servers first"
                          % (group, group))
    kind = settings.spec(settings.SERVER, var)[1]
    for s, v in zip(servers, _entries(key, kind, value, len(servers))):
        s[var] = v


def _set_servers(d, group, urls):
    """ntp.<group>.servers: the group's servers by position (module comment)."""
    g = d["groups"].get(group)
    if not urls:
        if g is not None:
            del d["groups"][group]
        settings.drop_orphans(d, [c for c in (g or {}).get("Clients", ())])
        return
    if g is None:
        g = d["groups"][group] = {}
    old = list(g.get("Clients", ()))
    clients = []
    template = None
    taken = [s["Instance"] for s in d["servers"]]
    for i, url in enumerate(urls):
        if i < len(old):
            s = settings.server_dict(d, old[i])
            template = s
        else:
            s = dict(template) if template is not None else {}
            n = i + 1
            while "%s%d" % (group, n) in taken:
                n += 1
            s["Instance"] = "%s%d" % (group, n)
            taken.append(s["Instance"])
            d["servers"].append(s)
        s["ServerURL"] = url
        clients.append(s["Instance"])
    g["Clients"] = clients
    settings.drop_orphans(d, old[len(urls):])


# --- handlers -------------------------------------------------------------------------

def get_configuration(station, req):
    """GetConfiguration.req -> GetConfiguration.conf. A value longer than 1.6's 500
    characters (possible after 2.x changes) is reported without a value."""
    d = station.working_copy()
    wanted = req.get("key") or keys(d)
    known = []
    unknown = []
    for key in wanted:
        try:
            value, readonly = get_key(d, key)
        except KeyError:
            if isinstance(key, str) and len(key) <= MAX_KEY:
                unknown.append(key)
            continue
        item = {"key": key, "readonly": readonly}
        if len(value) <= MAX_VALUE:
            item["value"] = value
        known.append(item)
    out = {}
    if known:
        out["configurationKey"] = known
    if unknown:
        out["unknownKey"] = unknown
    return out


def _status(station, status, reason=""):
    station.last_reason = reason
    return {"status": status}


def change_configuration(station, req):
    """ChangeConfiguration.req -> ChangeConfiguration.conf."""
    key = req.get("key")
    value = req.get("value")
    if not isinstance(key, str) or not isinstance(value, str):
        return _status(station, "Rejected", "key and value must be strings")
    if len(key) > MAX_KEY or len(value) > MAX_VALUE:
        return _status(station, "Rejected", "key over %d or value over %d characters"
                       % (MAX_KEY, MAX_VALUE))
    d = station.working_copy()
    try:
        set_key(d, key, value)
        station.commit(d, key)
    except KeyError:
        return _status(station, "NotSupported", "not an NTS key")
    except ConfigError as e:
        return _status(station, "Rejected", str(e))
    except OSError as e:
        return _status(station, "Rejected", "not persisted: %s" % e)
    return _status(station, "Accepted")
