# Tiny option parsing for the command line (MicroPython has no argparse): long options
# only, `--name value` or a bare `--flag`, `--help` everywhere; the exit statuses every
# command shares, and errors in the operator's terms, in one JSON shape
# ({"type", "message"}) for `ke` and `sync`.
import json

from nts.errors import ConfigError, KEErrorRecord

# Exit statuses, the same for every command (scripts test them, so they never change).
EXIT_OK = 0             # the time was agreed (ke: the key exchange succeeded)
EXIT_TOO_FEW = 1        # servers answered, but fewer than --min-servers agreed
EXIT_USAGE = 2          # bad command line or configuration (nothing was sent)
EXIT_NETWORK = 3        # network, TLS, certificate or NTS-KE failure for every server
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)

EXIT_HELP = """exit status: 0 time agreed (ke: key exchange done), 1 too few agreeing sources,
2 usage or configuration error, 3 network / key-exchange failure for every server,
130 interrupted"""

MAX_TIMEOUT = 600.0     # s: longer is a typo, not a patient operator

_KE_ERROR_RECORDS = {0: "unrecognized critical record", 1: "bad request",
                     2: "internal server error"}


class Help(Exception):
    """--help was given: print the command's usage, exit EXIT_OK."""


def parse_options(argv, spec):
    """{name: value} from argv. spec maps "--name" to True (takes a value) or False (flag).

    --help / -h anywhere raises Help. Unknown options, missing values and positional
    arguments raise ConfigError.
    """
    if "--help" in argv or "-h" in argv:
        raise Help()
    out = {}
    i = 0
    while i < len(argv):
        opt = argv[i]
        if opt not in spec:
            raise ConfigError(opt, "unknown option (known: %s)" % " ".join(sorted(spec)))
        if spec[opt]:
            if i + 1 >= len(argv):
                raise ConfigError(opt, "needs a value")
            out[opt] = argv[i + 1]
            i += 2
        else:
            out[opt] = True
            i += 1
    return out


def timeout(opts, default=5.0):
    """--timeout in seconds: a number in (0, MAX_TIMEOUT]; ConfigError otherwise."""
    text = opts.get("--timeout")
    if text is None:
        return default
    try:
        t = float(text)
    except ValueError:
        t = -1.0
    if not 0 < t <= MAX_TIMEOUT:    # also refuses nan and inf
        raise ConfigError("--timeout", "%r: expected seconds, more than 0 and at most %d"
                          % (text, MAX_TIMEOUT))
    return t


def split_host_port(text, default_port):
    """("host", port) from HOST, HOST:PORT, [V6] or [V6]:PORT."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ConfigError("--server", "unclosed [ in %r" % text)
        host, rest = text[1:end], text[end + 1:]
        port = rest[1:] if rest.startswith(":") else (None if not rest else "bad")
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, None     # a name, IPv4, or a bare IPv6 address
    if port is None:
        return host, default_port
    try:
        n = int(port)
    except ValueError:
        n = -1
    if not host or not 0 < n < 65536:
        raise ConfigError("--server", "bad HOST[:PORT] %r" % text)
    return host, n


def host_port(host, port):
    """HOST:PORT, an IPv6 address in brackets ([2001:db8::1]:123)."""
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def message(error):
    """The error's text in the operator's terms."""
    if isinstance(error, KEErrorRecord):
        what = _KE_ERROR_RECORDS.get(error.code, "unknown error")
        text = "the server refused the request: NTS-KE error %d (%s)" % (error.code, what)
        if error.code == 1:
            text += "; often no AEAD algorithm in common: offer AES-SIV-CMAC-256 (15)"
        return text
    if type(error).__name__ == "TimeoutError":
        return "timed out"
    return terms(str(error))


def terms(text):
    """An error text (also one kept as a string, e.g. a server's last error) with the
    operator's words in front: "timed out", "no AEAD algorithm in common"."""
    if "which we did not offer" in text and "in common" not in text:
        text = "no AEAD algorithm in common: " + text
    if ("no answer within" in text or "no reply within" in text) and "timed out" not in text:
        text = "timed out: " + text
    return text


def error_object(error):
    """The one JSON shape of an error: {"type": class name, "message": text}."""
    return {"type": type(error).__name__, "message": message(error)}


def error_status(error):
    """Exit status for an error that ended a command."""
    return EXIT_USAGE if isinstance(error, ConfigError) else EXIT_NETWORK


def usage(text):
    print(text)
    print(EXIT_HELP)
    return EXIT_OK


def interrupted(as_json):
    """Report Ctrl-C; returns EXIT_INTERRUPTED."""
    if as_json:
        print(json.dumps({"ok": False, "interrupted": True, "error": {
            "type": "Interrupted", "message": "interrupted (Ctrl-C)"}}))
    else:
        print("interrupted (Ctrl-C)")
    return EXIT_INTERRUPTED


def report(ok, fields, as_json, error=None):
    """Print one result; return the exit status (EXIT_OK, or error_status(error))."""
    if as_json:
        obj = {"ok": ok}
        obj.update(fields)
        if error is not None:
            obj["error"] = error_object(error)
        print(json.dumps(obj))
    elif ok:
        for k in sorted(fields):
            print("%s: %s" % (k, fields[k]))
    else:
        print("error: %s: %s" % (type(error).__name__, message(error)))
    return EXIT_OK if ok else error_status(error)
