# Tiny option parsing for the command line (MicroPython has no argparse): long options
# only, `--name value` or a bare `--flag`, and JSON-or-text result printing.
import json

from nts.errors import ConfigError

EXIT_INTERRUPTED = 130      # 128 + SIGINT, as shells report Ctrl-C


def parse_options(argv, spec):
    """{name: value} from argv. spec maps "--name" to True (takes a value) or False (flag).

    Unknown options, missing values and positional arguments raise ConfigError.
    """
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


def report(ok, fields, as_json, error=None):
    """Print one result; return the exit status (0 ok, 1 failure)."""
    if as_json:
        obj = {"ok": ok}
        obj.update(fields)
        if error is not None:
            obj["error"] = {"type": type(error).__name__, "message": str(error)}
        print(json.dumps(obj))
    elif ok:
        for k in sorted(fields):
            print("%s: %s" % (k, fields[k]))
    else:
        print("error: %s: %s" % (type(error).__name__, error))
    return 0 if ok else 1
