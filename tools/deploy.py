"""Deploy mpnts to a board with mpremote, or inspect one.

    python tools/deploy.py install --board ESP32_GENERIC [--device /dev/ttyUSB0] [--ca GROUP=PEM ...]
    python tools/deploy.py status  [--device ...]     # nts.status() on the board
    python tools/deploy.py selftest [--device ...]    # crypto power-on self-test
    python tools/deploy.py ... --dry-run              # print the mpremote commands only

`install` compiles firmware/ to .mpy for the board's architecture (a bundle, for boards
whose firmware does not freeze mpnts), copies it to /lib, copies the board settings
module and trust anchors (CA_DIR/<group>/...). Frozen builds use boards/<BOARD>/manifest.py
instead and need only the settings-free steps (CAs).
"""
import argparse
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import build_mpy  # noqa: E402

# mpy-cross -march per board family.
ARCH = {"ESP32": "xtensawin", "NUCLEO_F4": "armv7emsp", "PYBD": "armv7emdp"}


def board_arch(board):
    for prefix, arch in ARCH.items():
        if board.startswith(prefix):
            return arch
    raise SystemExit("no architecture known for board %s (add it to ARCH)" % board)


def board_settings(board):
    path = os.path.join(ROOT, "boards", board, "mpnts_board.py")
    if not os.path.exists(path):
        raise SystemExit("no such board folder: boards/%s" % board)
    settings = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), settings)
    return path, settings


def install_commands(board, device, cas):
    settings_path, settings = board_settings(board)
    out = os.path.join(ROOT, "build", "mpy-" + board)
    build_mpy.compile_all(out, arch=board_arch(board))
    ca_dir = settings.get("CA_DIR", "/certs")
    cmds = [["fs", "mkdir", ":/lib"], ["fs", "cp", "-r", os.path.join(out, "nts"), ":/lib/"],
            ["fs", "cp", "-r", os.path.join(out, "rtc"), ":/lib/"],
            ["fs", "cp", settings_path, ":mpnts_board.py"], ["fs", "mkdir", ":" + ca_dir]]
    for spec in cas:
        group, _, pem = spec.partition("=")
        if not group or not pem:
            raise SystemExit("--ca takes GROUP=PEMFILE, got %r" % spec)
        cmds.append(["fs", "mkdir", ":%s/%s" % (ca_dir, group)])
        cmds.append(["fs", "cp", pem, ":%s/%s/%s" % (ca_dir, group, os.path.basename(pem))])
    return [prefix(device) + c for c in cmds]


def prefix(device):
    mpremote = os.path.join(os.path.dirname(sys.executable), "mpremote")
    return [mpremote] + (["connect", device] if device else [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("install", "status", "selftest"))
    ap.add_argument("--board", default="ESP32_GENERIC")
    ap.add_argument("--device", help="serial port (default: mpremote's auto-detect)")
    ap.add_argument("--ca", action="append", default=[], help="GROUP=PEMFILE trust anchor")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    if args.action == "install":
        cmds = install_commands(args.board, args.device, args.ca)
    elif args.action == "status":
        cmds = [prefix(args.device) + ["exec", "import nts; nts.status()"]]
    else:
        cmds = [prefix(args.device) + ["exec", "import nts.selftest; nts.selftest.run()"]]
    for cmd in cmds:
        print("$", " ".join(shlex.quote(c) for c in cmd), flush=True)
        if not args.dry_run:
            # mkdir of an existing folder fails harmlessly; everything else must succeed.
            r = subprocess.run(cmd)
            if r.returncode and cmd[-2:-1] != ["mkdir"] and "mkdir" not in cmd:
                sys.exit(r.returncode)


if __name__ == "__main__":
    main()
