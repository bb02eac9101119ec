# Command line, the same on the host and on a board's REPL:
#   micropython -m nts <command> [options]      (python -m nts with PYTHONPATH=firmware)
# Each command lives in its own module with main(argv) -> exit status, imported only
# when used, so a board manifest can leave commands out.
import sys

COMMANDS = {
    "ke": "nts.cli_ke",      # one NTS-KE session with mpnts's TLS 1.3
    "sync": "nts.cli_sync",  # one engine round: KE + authenticated query per server, selection
    "station": "nts.cli_station",   # OCPP-J charge point: configured by a CSMS, syncs, reports
}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print("usage: nts {%s} [options]" % ",".join(sorted(COMMANDS)))
        return 2
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
        return 1


sys.exit(main(sys.argv[1:]))
