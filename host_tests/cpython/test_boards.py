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


def frozen_entries(manifest):
    """Evaluate a manifest with stand-ins for MicroPython's manifest functions; returns
    (source file, path inside the frozen filesystem) pairs, as tools/manifestfile.py
    records them (package files under the package name, modules by their own name)."""
    frozen = []

    def run(path):
        base = os.path.dirname(path)

        def include(p):
            if not p.startswith("$(PORT_DIR)"):
                run(os.path.normpath(os.path.join(base, p)))

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
               "metadata": lambda **kw: None}
        with open(path) as f:
            exec(compile(f.read(), path, "exec"), env)

    run(manifest)
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


@pytest.mark.parametrize("board", BOARDS)
def test_deploy_plan(board, tmp_path):
    pem = tmp_path / "root.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    cmds = deploy.install_commands(board, "/dev/null", ["legalTimeCA=%s" % pem])
    flat = [" ".join(c) for c in cmds]
    assert any(":/lib/" in c and c.split()[-2].endswith("nts") for c in flat)
    assert any(c.endswith("mpnts_board.py") for c in flat)
    assert any("/legalTimeCA/root.pem" in c for c in flat)
    assert all(c[1:3] == ["connect", "/dev/null"] for c in cmds)


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
