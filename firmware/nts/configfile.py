# The configuration file on a board's flash (board setting CONFIG_PATH, default
# nts_config.json; tools/deploy.py writes it). Two forms, told apart by the first
# character that is not blank:
#
#   JSON, the configuration's dict form (nts.config):
#     {"servers": [{"ServerURL": "ptbtime1.ptb.de", "RootCAs": "ptb"}, ...],
#      "groups": {"legal": {"MinServers": 2}}}
#
#   OCPP 1.6 key=value, one key per line, as a 1.6 stack keeps its configuration keys
#   (the white paper's `ntp.*` / `ntske.*` keys, nts.ocpp.settings), values as OCPP strings:
#     ntp.legal.servers = ptbtime1.ptb.de,ptbtime2.ptb.de,ptbtime3.ptb.de
#     ntp.legal.minServers = 2
#     ntp.legal.rootCAs = ptb
#     # comment lines and blank lines are skipped
#
# The key=value form goes through the same code as ChangeConfiguration (nts.ocpp.v16,
# strings converted by nts.values), so a file means what the same keys sent by a CSMS
# mean. `ntp.<group>.servers` lines are applied first (they create the group's servers),
# the other lines in file order; a key given twice is an error. A board that leaves
# nts.ocpp out of its manifest reads the JSON form only.
from nts.config import Config
from nts.errors import ConfigError

DEFAULT_PATH = "nts_config.json"


def _key_value(text):
    try:
        from nts.ocpp import v16
    except ImportError:
        raise ConfigError("config", "key=value form needs nts.ocpp (use the JSON form)")
    lines = []
    seen = []
    for n, line in enumerate(text.split("\n")):
        line = line.strip()
        if not line or line[0] == "#":
            continue
        key, eq, value = line.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ConfigError("line %d" % (n + 1), "expected key=value")
        if key in seen:
            raise ConfigError(key, "given twice")
        seen.append(key)
        lines.append((not key.endswith(".servers") or not key.startswith("ntp."), key,
                      value.strip()))
    d = {"servers": [], "groups": {}, "clock": {}}
    for first in (False, True):
        for later, key, value in lines:
            if later == first:
                try:
                    v16.set_key(d, key, value)
                except KeyError:
                    raise ConfigError(key, "unknown key")
    return Config.from_dict(d)


def from_text(text):
    """A validated Config from the file's text (either form); ConfigError naming the
    field, key or line at fault."""
    s = text.strip()
    if s[:1] == "{":
        import json
        try:
            d = json.loads(s)
        except ValueError as e:
            raise ConfigError("config", "not valid JSON: %s" % e)
        return Config.from_dict(d)
    return _key_value(s)


def load(path=DEFAULT_PATH):
    """The Config in file `path`."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise ConfigError("CONFIG_PATH", "no configuration file %s" % path)
    return from_text(text)
