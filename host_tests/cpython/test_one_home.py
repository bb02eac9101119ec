# One home per protocol constant and per helper (issue 8 item 6): each is defined in
# exactly one firmware module, and the others import it. A second definition is how
# security numbers drift apart (the AEAD table once lived in four modules, nanoseconds
# per second in seven), so this scans the firmware source for definitions.
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")

# (what, regex matching a definition at the start of a line, the one module allowed)
HOMES = (
    ("nanoseconds per second", r"\w+\s*=\s*(1000000000|10\s*\*\*\s*9|1e9)\b",
     "nts/timescale.py"),
    ("AEAD identifiers", r"AEAD_AES_\w+\s*=", "nts/aead.py"),
    ("AEAD names", r"\w+\s*=\s*\{\s*\"AES-SIV-CMAC-256\"", "nts/aead.py"),
    ("AEAD key lengths", r"\w*KEY_LENGTHS?\s*=", "nts/aead.py"),
    ("AEAD nonce lengths", r"\w*NONCE_LENGTHS?\s*=", "nts/aead.py"),
    ("default AEAD offer", r"DEFAULT_AEADS\s*=", "nts/aead.py"),
    ("cookie size limit", r"MAX_COOKIE\s*=", "nts/cookies.py"),
    ("cookies kept / asked for", r"(MAX_COOKIES|COOKIE_TARGET)\s*=", "nts/cookies.py"),
    ("cookie bytes per request", r"MAX_COOKIE_BYTES\s*=", "nts/cookies.py"),
    ("certificate chain length", r"MAX_CHAIN\s*=", "nts/tls/__init__.py"),
    ("TLS hash length", r"HASH_LEN\s*=", "nts/tls/__init__.py"),
    ("NTS-KE ALPN", r"\w+\s*=\s*b\"ntske/1\"", "nts/tls/messages.py"),
    ("calendar: days from a date", r"def days_from_civil\(", "rtc/civil.py"),
    ("calendar: days in a month", r"def (days_in_month|_month_days)\(", "rtc/civil.py"),
    ("IP-literal test", r"def (ip_bytes|_is_ip_literal|is_ip\w*)\(", "nts/tls/hostname.py"),
    ("constant-time compare", r"def (equal|_same|compare_digest|_ct_eq)\(", "nts/crypto/ct.py"),
)


def _sources():
    for base, _, files in os.walk(FIRMWARE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                with open(path) as f:
                    yield os.path.relpath(path, FIRMWARE).replace(os.sep, "/"), f.read()


def test_each_constant_has_one_home():
    sources = list(_sources())
    for what, pattern, home in HOMES:
        rx = re.compile(r"^\s*" + pattern, re.M)
        where = sorted(p for p, text in sources if rx.search(text))
        assert where == [home], "%s defined in %s, expected only %s" % (what, where, home)


def test_no_inline_nanoseconds_per_second():
    # A literal in an expression escapes the definition scan above (cli_station once
    # scaled its clock offset by its own 1000000000): only nts.timescale spells it.
    rx = re.compile(r"(?<![0-9A-Fa-fx_])(1000000000|1_000_000_000|10\s*\*\*\s*9|1e9)(?![0-9_])")
    found = []
    for path, text in _sources():
        if path == "nts/timescale.py":
            continue
        for n, line in enumerate(text.splitlines(), 1):
            code = line.split("#", 1)[0]
            if rx.search(code):
                found.append("%s:%d" % (path, n))
    assert found == [], found
