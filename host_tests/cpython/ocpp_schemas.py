# The official OCPP JSON schemas shipped by the `ocpp` package (1.6 with the security
# extension, 2.0.1) as jsonschema validators, with an RFC 3339 `date-time` check (the
# package's own validation checks no formats), plus our documented vendor-extended
# schemas (host_tests/cpython/schemas/, see the README there).
import datetime
import json
import os
import re

import jsonschema
import ocpp

_OCPP_DIR = os.path.dirname(ocpp.__file__)
EXTENDED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")

# RFC 3339 section 5.6 date-time (upper-case T and Z as OCPP sends them; 'full-time'
# with an optional fraction of any length and a numeric offset or Z).
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                      r"(Z|[+-](\d{2}):(\d{2}))$")

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def is_rfc3339(value):
    if not isinstance(value, str):
        return True     # type is checked elsewhere
    m = _RFC3339.match(value)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        datetime.datetime(y, mo, d, h, mi, min(s, 59))
    except ValueError:
        return False
    if s > 60 or (m.group(9) and (int(m.group(9)) > 23 or int(m.group(10)) > 59)):
        return False
    return True


_cache = {}


def validator(version, name):
    """A validator for the official schema `name` (1.6: "ChangeConfiguration",
    "ChangeConfigurationResponse"; 2.0.1: "SetVariablesRequest", ...), or of our
    extended schema when version is "ext"."""
    key = (version, name)
    if key not in _cache:
        if version == "ext":
            path = os.path.join(EXTENDED_DIR, name + ".json")
        else:
            sub = {"1.6": "v16", "2.0.1": "v201"}[version]
            path = os.path.join(_OCPP_DIR, sub, "schemas", name + ".json")
        with open(path) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        _cache[key] = cls(schema, format_checker=FORMATS)
    return _cache[key]


def errors(version, name, payload):
    return [e.message for e in validator(version, name).iter_errors(payload)]


def check(version, name, payload):
    errs = errors(version, name, payload)
    assert not errs, "%s %s: %s\n%r" % (version, name, errs, payload)
