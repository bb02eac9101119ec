# OCPP carries every configuration value as a string (1.6 `value`, 2.x `attributeValue`,
# a key=value configuration file). This is the one place where such a string becomes the
# typed value nts.config checks (and back): nts.config.Config.set_variable, the OCPP
# handlers (nts.ocpp) and nts.configfile all go through parse() and text(), with the kind
# taken from nts.config's field tables, so "5", "5.0" and " 5 " mean the same everywhere
# and a read-back is what was written. (It lives outside nts.ocpp because a board may
# leave that package out of its manifest and still take OCPP strings.)
#
# The kinds are nts.config's field kinds: int, num, bool, str, host, list. Ranges and
# lengths are nts.config's business (it names the field); here only the syntax is checked.
from nts.errors import ConfigError

_DIGITS = "0123456789"


def _number(field, s, fraction):
    body = s[1:] if s[:1] in "+-" else s
    whole, dot, frac = body.partition(".")
    # OCPP integer/decimal: digits with an optional sign (and fraction). No exponent,
    # no "nan"/"inf", no "0x": float() and int() would take more than OCPP means.
    if not whole or (dot and not (fraction and frac)):
        raise ConfigError(field, "not a%s number: %r" % ("" if fraction else "n integer", s))
    for c in whole + frac:
        if c not in _DIGITS:
            raise ConfigError(field, "not a%s number: %r" % ("" if fraction else "n integer", s))
    if not dot:
        return int(s)
    v = float(s)
    return int(v) if v == int(v) and len(frac.rstrip("0")) == 0 else v


def parse(field, kind, s):
    """The typed value of OCPP string `s` for a field of nts.config `kind`; ConfigError
    (naming `field`) when the string is not of that type."""
    if not isinstance(s, str):
        raise ConfigError(field, "OCPP values are strings")
    s = s.strip()
    if kind == "int":
        return _number(field, s, False)
    if kind == "num":
        return _number(field, s, True)
    if kind == "bool":
        low = s.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        raise ConfigError(field, "must be true or false")
    if kind == "list":
        return [e.strip() for e in s.split(",")] if s else []
    return s


def text(kind, v):
    """The OCPP string of a typed value (the inverse of parse)."""
    if kind == "bool":
        return "true" if v else "false"
    if kind == "list":
        return ",".join(v)
    if kind == "num" and isinstance(v, float):
        if v == int(v):
            return str(int(v))
        return repr(v)
    if v is None:
        return ""
    return str(v)
