# Command line, the same on the host and on a board's REPL:
#   micropython -m nts <command> [options]      (python -m nts with PYTHONPATH=firmware)
# Each command lives in its own module with main(argv) -> exit status (nts.cli: EXIT_*),
# imported only when used, so a board manifest can leave commands out.
import sys

COMMANDS = {
    "ke": "nts.cli_ke",      # one NTS-KE session with mpnts's TLS 1.3
    "sync": "nts.cli_sync",  # one engine round: KE + authenticated query per server, selection
    "station": "nts.cli_station",   # OCPP-J charge point: configured by a CSMS, syncs, reports
}

USAGE = """usage: nts {ke,sync,station} [options]     (nts COMMAND --help for its options)
  ke       one NTS-KE session: AEAD, cookies, NTP address, the server's certificate
  sync     key exchange and one authenticated query per server, the agreed offset
           (never sets the host clock)
  station  an OCPP-J charge point: configured by a CSMS, syncs, reports security events"""


def main(argv):
    if argv and argv[0] in ("--help", "-h", "help"):
        from nts import cli
        return cli.usage(USAGE)
    if not argv or argv[0] not in COMMANDS:
        print("error: %s" % ("unknown command %r" % argv[0] if argv else "no command"))
        print(USAGE)
        return 2    # nts.cli.EXIT_USAGE (not imported: it costs heap on a board)
    try:
        module = __import__(COMMANDS[argv[0]], None, None, ["main"])
        return module.main(argv[1:])
    except MemoryError:
        # Too little heap even to load the command: report it in the promised shape,
        # with nothing that needs more allocation than a constant string.
        if "--json" in argv:
            print('{"ok": false, "error": {"type": "MemoryError", "message": "out of heap"}}')
        else:
            print("error: MemoryError: out of heap")
        return 3    # nts.cli.EXIT_NETWORK: the exchange could not be made
    except KeyboardInterrupt:
        return 130  # nts.cli.EXIT_INTERRUPTED (Ctrl-C while loading the command)


sys.exit(main(sys.argv[1:]))
