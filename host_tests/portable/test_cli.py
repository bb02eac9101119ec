# The command line's shared pieces (nts.cli), which run on boards without argparse:
# option parsing and --help, --timeout validation, HOST[:PORT] and IPv6 brackets, the
# exit statuses, and errors in the operator's terms in one JSON shape.
import os
import sys

from nts import cli, ke, sockaddr
from nts.errors import ConfigError, KEError, KEErrorRecord, NetError
from support import SkipTest, h, raises

_SPEC = {"--server": True, "--json": False}


def test_parse_options():
    assert cli.parse_options(["--server", "a:1", "--json"], _SPEC) == {"--server": "a:1",
                                                                    "--json": True}
    assert cli.parse_options([], _SPEC) == {}
    assert raises(ConfigError, cli.parse_options, ["--sever", "x"], _SPEC).field == "--sever"
    raises(ConfigError, cli.parse_options, ["--server"], _SPEC)
    raises(ConfigError, cli.parse_options, ["positional"], _SPEC)
    raises(cli.Help, cli.parse_options, ["--server", "x", "--help"], _SPEC)
    raises(cli.Help, cli.parse_options, ["-h"], _SPEC)


def test_split_host_port():
    assert cli.split_host_port("time.example", 4460) == ("time.example", 4460)
    assert cli.split_host_port("127.0.0.1:4461", 4460) == ("127.0.0.1", 4461)
    assert cli.split_host_port("[::1]:4461", 4460) == ("::1", 4461)
    assert cli.split_host_port("[::1]", 4460) == ("::1", 4460)
    assert cli.split_host_port("2001:db8::1", 4460) == ("2001:db8::1", 4460)
    for bad in ("host:", "host:x", "host:0", "host:70000", ":123", "[::1", "[::1]x"):
        raises(ConfigError, cli.split_host_port, bad, 4460)


def test_exit_statuses_are_fixed():
    assert (cli.EXIT_OK, cli.EXIT_TOO_FEW, cli.EXIT_USAGE, cli.EXIT_NETWORK,
            cli.EXIT_INTERRUPTED) == (0, 1, 2, 3, 130)
    assert cli.error_status(ConfigError("--x", "bad")) == cli.EXIT_USAGE
    assert cli.error_status(NetError("refused")) == cli.EXIT_NETWORK


def test_timeout_validated():
    assert cli.timeout({}) == 5.0
    assert cli.timeout({"--timeout": "2.5"}) == 2.5
    assert cli.timeout({"--timeout": "600"}) == 600.0
    for bad in ("0", "-1", "x", "", "601", "nan", "inf", "1e9"):
        e = raises(ConfigError, cli.timeout, {"--timeout": bad})
        assert e.field == "--timeout" and "seconds" in str(e)


def test_addresses_ipv6_in_brackets():
    assert cli.host_port("192.0.2.1", 123) == "192.0.2.1:123"
    assert cli.host_port("time.example", 4460) == "time.example:4460"
    assert cli.host_port("2001:db8::1", 123) == "[2001:db8::1]:123"
    assert sockaddr.socket_address(("::1", 123, 0, 0)) == ("::1", 123)
    # MicroPython's unix port: raw Linux sockaddr_in / sockaddr_in6.
    v4 = bytearray(h("0200 007b 7f000001") + bytes(8))
    v6 = bytearray(h("0a00 007b 00000000") + h("2001 0db8 0000 0000 0000 0000 0000 0001")
                   + bytes(4))
    assert sockaddr.socket_address(v4) == ("127.0.0.1", 123)
    assert sockaddr.socket_address(v6) == ("2001:db8::1", 123)
    assert cli.host_port(*sockaddr.socket_address(v6)) == "[2001:db8::1]:123"
    assert sockaddr.socket_address(bytearray(3)) is None and sockaddr.socket_address(None) is None
    for text, raw in (("::", bytes(16)), ("::1", bytes(15) + b"\x01"),
                      ("1::", b"\x00\x01" + bytes(14)),
                      ("2001:db8::1:0:0:1", h("2001 0db8 0000 0000 0001 0000 0000 0001")),
                      ("1:0:3:4:5:6:7:8", h("0001 0000 0003 0004 0005 0006 0007 0008"))):
        assert sockaddr.ipv6_text(raw) == text, (text, sockaddr.ipv6_text(raw))


def test_messages_in_the_operators_terms():
    m = cli.message(KEErrorRecord(1))
    assert "refused the request" in m and "no AEAD algorithm in common" in m
    offered_16 = ke.build_records([(True, 1, h("0000")), (True, 4, h("0010")),
                                   (False, 5, b"c"), (True, 0, b"")])
    e = raises(KEError, ke.parse_response, offered_16, (15, 30))
    assert cli.message(e).startswith("no AEAD algorithm in common")
    empty = ke.build_records([(True, 1, h("0000")), (True, 4, b""), (False, 5, b"c"),
                              (True, 0, b"")])
    e = raises(KEError, ke.parse_response, empty, (15, 30))
    assert cli.message(e).startswith("no AEAD algorithm in common")
    assert cli.message(NetError("no answer within 5.0 s")) == \
        "timed out: no answer within 5.0 s"
    obj = cli.error_object(NetError("connect to h:4460 failed: connection refused"))
    assert obj == {"type": "NetError",
                   "message": "connect to h:4460 failed: connection refused"}


def test_help_and_usage_errors_of_every_command():
    from nts import cli_ke
    assert cli_ke.main(["--help"]) == cli.EXIT_OK
    assert cli_ke.main(["--server", "x", "--ca", "y", "-h"]) == cli.EXIT_OK
    assert cli_ke.main(["--server", "x"]) == cli.EXIT_USAGE
    assert cli_ke.main(["--server", "x", "--ca", "y", "--timeout", "0"]) == cli.EXIT_USAGE
    assert cli_ke.main(["--server", "x", "--ca", "build/no-such.pem"]) == cli.EXIT_USAGE
    assert cli_ke.main(["--server", "x", "--ca", "y", "--aead", "99", "--json"]) == \
        cli.EXIT_USAGE


def test_state_file_is_private():
    if not hasattr(os, "chmod"):
        raise SkipTest("no os.chmod on %s" % sys.implementation.name)
    from nts import state as st
    path = "build/cli_state_%s.bin" % sys.implementation.name
    for p in (path, path + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass
    with open(path + ".tmp", "wb") as f:     # a stale, world-readable temporary file
        f.write(b"x")
    os.chmod(path + ".tmp", 0o644)
    st.Store(path).save(st.State(bytes(16)))
    assert os.stat(path)[0] & 0o777 == 0o600
