"""Board folders: every freeze manifest names files that exist, they compile for the
board's architecture with mpy-cross, the settings select a real RTC driver, and the
deploy tool produces a complete mpremote plan."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARDS = sorted(d for d in os.listdir(os.path.join(ROOT, "boards"))
                if os.path.isdir(os.path.join(ROOT, "boards", d)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import build_mpy  # noqa: E402
import deploy  # noqa: E402
from gen_packages import ManifestOptions  # noqa: E402  (manifest `options`)


def frozen_entries(manifest, source=None):
    """Evaluate a manifest with stand-ins for MicroPython's manifest functions; returns
    (source file, path inside the frozen filesystem) pairs, as tools/manifestfile.py
    records them (package files under the package name, modules by their own name).
    Like that tool, a manifest runs in its own folder with include()'s keywords as
    `options`. source: the manifest's text instead of the file's."""
    frozen = []

    def run(path, text=None, **options):
        base = os.path.dirname(path)

        def include(p, **kw):
            if not p.startswith("$(PORT_DIR)"):
                run(os.path.normpath(os.path.join(base, p)), **kw)

        def package(name, files=None, base_path=".", opt=None):
            top = os.path.normpath(os.path.join(base, base_path))
            root = os.path.join(top, name)
            assert os.path.isdir(root), root
            if files is None:
                found = []
                for dirpath, dirnames, names in os.walk(root):
                    dirnames[:] = [d for d in dirnames if d != "__pycache__"]
                    found.extend(os.path.join(dirpath, n) for n in names if n.endswith(".py"))
            else:
                found = [os.path.join(root, f) for f in files]
            frozen.extend((f, os.path.relpath(f, top).replace(os.sep, "/")) for f in found)
            assert opt == 3, "mpnts freezes at opt=3"

        def module(name, base_path=".", opt=None):
            frozen.append((os.path.normpath(os.path.join(base, base_path, name)), name))

        env = {"include": include, "package": package, "module": module,
               "metadata": lambda **kw: None, "options": ManifestOptions(**options)}
        if text is None:
            with open(path) as f:
                text = f.read()
        cwd = os.getcwd()
        os.chdir(base)
        try:
            exec(compile(text, path, "exec"), env)
        finally:
            os.chdir(cwd)

    run(os.path.abspath(manifest), source)
    return frozen


def frozen_files(manifest):
    return [src for src, _ in frozen_entries(manifest)]


def mangled(frozen_path):
    """The C name mpy-tool gives a frozen module: its frozen path without the extension,
    every character other than a letter, digit or "_" replaced by "_"."""
    stem = frozen_path.rsplit(".", 1)[0]
    return "".join(c if c.isalnum() and c.isascii() or c == "_" else "_" for c in stem)


def test_mangling_rule():
    assert mangled("nts/board.py") == mangled("nts_board.py") == "nts_board"
    assert mangled("rtc/base.py") == "rtc_base"


@pytest.mark.parametrize("board", BOARDS)
def test_manifest_mangled_names_unique(board):
    """Two frozen modules with one C name make frozen_content.c fail to compile
    (conflicting const_qstr_table_data_*, redefined frozen_module_*)."""
    seen = {}
    for src, path in frozen_entries(os.path.join(ROOT, "boards", board, "manifest.py")):
        name = mangled(path)
        assert name not in seen, "%s and %s both freeze as %s" % (seen[name], path, name)
        seen[name] = path
    assert "nts_board" in seen and "mpnts_board" in seen


@pytest.mark.parametrize("board", BOARDS)
def test_manifest_files_exist_and_compile(board, tmp_path):
    files = frozen_files(os.path.join(ROOT, "boards", board, "manifest.py"))
    assert files
    assert not any(f.endswith(os.sep + "firmware" + os.sep + "micropython.py") for f in files)
    mpy_cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    for f in files:
        assert os.path.exists(f), f
        subprocess.run([mpy_cross, "-march=" + deploy.board_arch(board), "-O3", "-o",
                        str(tmp_path / "x.mpy"), f], check=True)
    # The driver named in the settings is frozen.
    _, settings = deploy.board_settings(board)
    assert any(f.endswith(os.path.join("rtc", settings["RTC_DRIVER"] + ".py")) for f in files)


@pytest.fixture(scope="module")
def root_pem(tmp_path_factory):
    from host_tests.certs import make_chain
    d = tmp_path_factory.mktemp("pki")
    return make_chain(str(d), kind="ecdsa", intermediates=0).root_pem_path


def _config(tmp_path, servers=1, root_cas=""):
    import json
    p = tmp_path / "nts_config.json"
    p.write_text(json.dumps({"servers": [{"ServerURL": "ntp%d.example" % i, "RootCAs": root_cas}
                                         for i in range(servers)]}))
    return str(p)


@pytest.mark.parametrize("board", BOARDS)
def test_deploy_plan(board, tmp_path, root_pem):
    cmds = deploy.install_commands(board, "/dev/null", ["legalTimeCA=%s" % root_pem],
                                   config=_config(tmp_path, root_cas="legalTimeCA"))
    flat = [" ".join(c) for c in cmds]
    lib = deploy.board_info(board)["lib"]
    assert any(c.endswith(" :%s/" % lib) and c.split()[-2].endswith("nts") for c in flat), flat
    assert any(c.endswith("%s/mpnts_board.py" % lib) for c in flat)
    assert any(c.endswith("main.py") for c in flat)
    assert any("/legalTimeCA/" + os.path.basename(root_pem) in c for c in flat)
    assert any(c.endswith("nts_config.json") for c in flat)
    assert all(c[1:4] == ["connect", "/dev/null", "resume"] for c in cmds)


def test_deploy_board_paths_and_architectures():
    assert deploy.board_info("NUCLEO_F429ZI")["lib"] == "/flash/lib"
    assert deploy.board_info("ESP32_GENERIC")["lib"] == "/lib"
    assert deploy.board_arch("ESP32_GENERIC_C3") == deploy.board_arch("ESP32_GENERIC_C6") == "rv32imc"
    assert deploy.board_arch("ESP32_GENERIC") == "xtensawin"
    with pytest.raises(deploy.DeployError) as e:
        deploy.board_info("ESP32_GENERC")
    assert "ESP32_GENERIC" in str(e.value) and "NUCLEO_F429ZI" in str(e.value)
    _, st = deploy.board_settings("NUCLEO_F429ZI")
    assert st["CONFIG_PATH"].startswith("/flash/") and st["CA_DIR"].startswith("/flash/")


def test_deploy_copies_only_what_the_board_needs():
    _, st = deploy.board_settings("ESP32_GENERIC")
    files = deploy.bundle_files(st)
    assert "nts/engine.py" in files and "rtc/esp32.py" in files and "nts/service.py" in files
    for f in ("nts/cli.py", "nts/cli_ke.py", "nts/cli_sync.py", "nts/cli_station.py",
              "nts/__main__.py", "rtc/simulated.py", "rtc/stm32.py", "micropython.py",
              "nts/ocpp/v16.py", "nts/crypto/x25519_viper.py"):
        assert f not in files, f
    # Every command module is CLI: none is copied without --cli.
    commands = [f for f in os.listdir(os.path.join(ROOT, "firmware", "nts"))
                if f.startswith("cli")]
    assert not [f for f in commands if "nts/" + f in files], commands
    assert "nts/ocpp/v16.py" in deploy.bundle_files(st, ocpp=True)
    assert "nts/cli_station.py" not in deploy.bundle_files(st, ocpp=True)
    # `nts station` needs nts.ocpp: --cli alone leaves it out.
    cli_only = deploy.bundle_files(st, cli=True)
    assert "nts/cli_sync.py" in cli_only and "nts/cli_station.py" not in cli_only
    with_cli = deploy.bundle_files(st, cli=True, ocpp=True)
    assert "nts/cli.py" in with_cli and "nts/ocpp/v16.py" in with_cli
    assert "nts/cli_station.py" in with_cli


def test_deploy_checks_local_files_first(tmp_path, root_pem):
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\n")
    for cas, config, what in (
            (["x=%s" % bad], None, "bad.pem"),
            (["x=%s" % (tmp_path / "missing.pem")], None, "missing.pem"),
            ([root_pem], str(tmp_path / "none.json"), "none.json"),
            (["ptb=%s" % root_pem], _config(tmp_path, root_cas="legal"), "'legal'")):
        with pytest.raises(deploy.DeployError) as e:
            deploy.install_commands("ESP32_GENERIC", "/dev/null", cas, config=config)
        assert what in str(e.value), str(e.value)
    typo = tmp_path / "typo.json"
    typo.write_text('{"servers": [{"ServerURL": "a.example", "ServerPrt": 123}]}')
    with pytest.raises(deploy.DeployError) as e:
        deploy.install_commands("ESP32_GENERIC", "/dev/null", [root_pem], config=str(typo))
    assert "servers[0].ServerPrt" in str(e.value)
    # The OCPP 1.6 key=value form is checked as well, and brings nts.ocpp along.
    kv = tmp_path / "nts_config.txt"
    kv.write_text("ntp.legal.servers = a.example,b.example\nntp.legal.minServers = 2\n")
    cmds = deploy.install_commands("ESP32_GENERIC", "/dev/null", [root_pem], config=str(kv))
    assert any(c[-1] == ":/nts_config.json" for c in cmds)


def test_deploy_copies_station_certificates_for_gateways(tmp_path, root_pem):
    import json
    cfg = tmp_path / "smgw.json"
    cfg.write_text(json.dumps({"servers": [{"ServerURL": "smgw.local", "ServerPort": 443,
                                            "Mode": "NTPv4TLS", "ClientCertificate": "station"}],
                               "groups": {"local": {"MinServers": 1}}}))
    with pytest.raises(deploy.DeployError) as e:    # named by the configuration, not given
        deploy.install_commands("NUCLEO_F429ZI", "/dev/null", [root_pem], config=str(cfg))
    assert "--client-cert station=" in str(e.value)
    with pytest.raises(deploy.DeployError) as e:    # a missing local file: before the board
        deploy.install_commands("NUCLEO_F429ZI", "/dev/null", [root_pem], config=str(cfg),
                                clients=["station=%s,%s" % (root_pem, tmp_path / "no.pem")])
    assert "no.pem" in str(e.value)
    key = tmp_path / "key.der"
    key.write_bytes(b"0")
    flat = [" ".join(c) for c in deploy.install_commands(
        "NUCLEO_F429ZI", "/dev/null", [root_pem], config=str(cfg),
        clients=["station=%s,%s" % (root_pem, key)])]
    assert any(c.endswith(":/flash/client_certs/station/cert.pem") for c in flat), flat
    assert any(c.endswith(":/flash/client_certs/station/key.der") for c in flat), flat


def test_deploy_warns_when_a_bundle_will_not_fit(tmp_path):
    from nts.config import Config
    three = Config.default(["a.example", "b.example", "c.example"])
    w = deploy.bundle_warning(deploy.board_info("ESP32_GENERIC"), three)
    assert "WARNING" in w and "frozen" in w and "boards/ESP32_GENERIC/manifest.py" in w
    assert deploy.bundle_warning(deploy.board_info("ESP32_GENERIC"), three, free_kb=4000) == ""
    assert deploy.bundle_warning(deploy.board_info("UNIX"), three) == ""


def test_deploy_cli_unknown_board_lists_boards(capsys):
    assert deploy.main(["install", "--board", "NOPE", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "unknown board 'NOPE'" in err and "NUCLEO_F429ZI" in err


def test_board_clock_factory_uses_settings(monkeypatch):
    import types
    from nts import board
    monkeypatch.setattr(board, "_settings", types.SimpleNamespace(RTC_DRIVER="unix"))
    assert type(board.clock()).__name__ == "UnixClock"
    monkeypatch.setattr(board, "_settings", types.SimpleNamespace(RTC_DRIVER="nope"))
    with pytest.raises(ValueError):
        board.clock()


def test_bundle_stamps_build_time(tmp_path):
    """The certificate-date floor in a bundle is its build time, not the source constant."""
    import time
    from nts.buildtime import BUILD_TIME
    build_mpy.compile_all(str(tmp_path), arch="x64", subdir="nts")
    assert not (tmp_path / "buildtime_stamped.py").exists()
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    out = subprocess.run([mp, "-c", "import sys; sys.path.insert(0, %r); "
                          "from nts.buildtime import BUILD_TIME; print(BUILD_TIME)" % str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout
    assert BUILD_TIME <= int(out) <= time.time()


def _nts_sources():
    top = os.path.join(ROOT, "firmware")
    out = []
    for d, dirs, files in os.walk(os.path.join(top, "nts")):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        out += [os.path.relpath(os.path.join(d, f), top).replace(os.sep, "/")
                for f in files if f.endswith(".py")]
    return sorted(out)


@pytest.mark.parametrize("board", BOARDS)
def test_ocpp_layer_is_an_option_of_the_manifest(board):
    """Every board freezes all of nts once (the OCPP layer by default); the same board
    manifest with include(..., ocpp=False) freezes the core without nts/ocpp."""
    path = os.path.join(ROOT, "boards", board, "manifest.py")
    paths = [p for _, p in frozen_entries(path) if p.startswith("nts/")]
    assert sorted(paths) == _nts_sources()
    with open(path) as f:
        text = f.read()
    assert 'include("../mpnts_manifest.py")' in text
    lean = text.replace('include("../mpnts_manifest.py")',
                        'include("../mpnts_manifest.py", ocpp=False)')
    paths = [p for _, p in frozen_entries(path, lean) if p.startswith("nts/")]
    assert paths and not any(p.startswith("nts/ocpp/") for p in paths)
    assert sorted(paths) == [p for p in _nts_sources() if not p.startswith("nts/ocpp/")]


def test_core_runs_without_the_ocpp_layer(tmp_path):
    """The run that leaves the OCPP layer out: an .mpy bundle without nts/ocpp runs the
    engine's and the configuration's portable tests under the MicroPython unix port."""
    import shutil
    out = tmp_path / "bundle"
    build_mpy.compile_all(str(out), arch="x64")
    shutil.rmtree(str(out / "nts" / "ocpp"))
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    for module in ("test_engine", "test_config", "test_statusview"):
        p = subprocess.run([mp, "-m", "host_tests.mprun", module], cwd=ROOT,
                           env=dict(os.environ, NTS_FIRMWARE_PATH=str(out), NTS_VIPER="0"),
                           capture_output=True, text=True, timeout=300)
        last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        assert p.returncode == 0 and last.startswith("RESULT ") and \
            last.split()[2] == "0", (module, p.stdout[-2000:], p.stderr[-2000:])
        assert int(last.split()[1]) > 0, (module, last)
