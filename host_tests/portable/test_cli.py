# The command line's tiny option parser and HOST[:PORT] splitting (nts.cli), which run
# on boards without argparse.
from nts import cli
from nts.errors import ConfigError
from support import raises

_SPEC = {"--server": True, "--json": False}


def test_parse_options():
    assert cli.parse_options(["--server", "a:1", "--json"], _SPEC) == {"--server": "a:1",
                                                                    "--json": True}
    assert cli.parse_options([], _SPEC) == {}
    assert raises(ConfigError, cli.parse_options, ["--sever", "x"], _SPEC).field == "--sever"
    raises(ConfigError, cli.parse_options, ["--server"], _SPEC)
    raises(ConfigError, cli.parse_options, ["positional"], _SPEC)


def test_split_host_port():
    assert cli.split_host_port("time.example", 4460) == ("time.example", 4460)
    assert cli.split_host_port("127.0.0.1:4461", 4460) == ("127.0.0.1", 4461)
    assert cli.split_host_port("[::1]:4461", 4460) == ("::1", 4461)
    assert cli.split_host_port("[::1]", 4460) == ("::1", 4460)
    assert cli.split_host_port("2001:db8::1", 4460) == ("2001:db8::1", 4460)
    for bad in ("host:", "host:x", "host:0", "host:70000", ":123", "[::1", "[::1]x"):
        raises(ConfigError, cli.split_host_port, bad, 4460)
