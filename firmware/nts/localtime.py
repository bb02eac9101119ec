# ClockCtrlr TimeOffset and TimeZone (OCPP 2.0.1): local time for people, never for the
# clock. The clock, NTS and every OCPP time stamp (DateTime, events, reports) stay UTC;
# TimeOffset is the offset local times are shown in: the OCMF "TM" value of meter
# readings (nts.ocpp.legaltime.ocmf_time) and a charger's display. TimeZone is an IANA
# name ("Europe/Berlin") for display and reports only: a board has no tz database, so
# nothing derives an offset from it (*decision*: the CSMS, which has one, moves
# TimeOffset at each daylight-saving change).
#
#   time-offset = ("+" / "-") time-hour ":" time-minute     ; RFC 3339 5.6, "+01:00"
#
# Loaded only when a configuration sets either (nts.config.Config.from_dict).
from nts.errors import ConfigError

MAX_OFFSET_S = 14 * 3600        # UTC-12 .. UTC+14 are in use; +-14:00 bounds both
_ZONE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-"


def offset_s(text, field="clock.TimeOffset"):
    """Seconds east of UTC of a TimeOffset "+hh:mm" / "-hh:mm"; ConfigError otherwise."""
    if not isinstance(text, str) or len(text) != 6 or text[0] not in "+-" or \
            text[3] != ":" or not (text[1:3] + text[4:]).isdigit():
        raise ConfigError(field, "must be an RFC 3339 offset such as +01:00 or -05:00")
    s = int(text[1:3]) * 3600 + int(text[4:]) * 60
    if int(text[4:]) > 59 or s > MAX_OFFSET_S:
        raise ConfigError(field, "offset out of range (-14:00..+14:00)")
    return -s if text[0] == "-" else s


def check_zone(name, field="clock.TimeZone"):
    """An IANA time zone name ("Area/Location": components of letters, digits and "_+-"
    that begin with a letter, at most 14 characters each, as the tz database's rules
    allow; "Etc/GMT+1" included, an offset such as "+0100" not), or ""."""
    if name == "":
        return
    for part in name.split("/"):
        if not 1 <= len(part) <= 14 or not ("a" <= part[0] <= "z" or "A" <= part[0] <= "Z"):
            raise ConfigError(field, "not an IANA time zone name such as Europe/Berlin")
        for c in part:
            if c not in _ZONE_CHARS:
                raise ConfigError(field, "not an IANA time zone name such as Europe/Berlin")


def check(clock):
    """Validate a clock section's TimeOffset and TimeZone (ConfigError naming them)."""
    offset_s(clock["TimeOffset"])
    check_zone(clock["TimeZone"])
