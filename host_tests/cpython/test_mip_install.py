"""mip packaging: the package files are current (tools/gen_packages.py), and
`mpremote mip install` of them, served over HTTP on 127.0.0.1, installs a working mpnts
into a MicroPython unix REPL on a pseudo-terminal (socat), as onto a board's /lib.

The REPL is the plain unix port behind socat (`rawer`: no newline translation, so
mpremote's raw REPL sees the bytes a UART gives); `resume` keeps mpremote from soft-
resetting it (a soft reset ends the unix port). The target folder is a temporary
directory: the unix port's file system is the host's. Everything stops by itself
(`timeout` around socat, the HTTP server is a daemon thread of this process).
"""
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
MPREMOTE = os.path.join(os.path.dirname(sys.executable), "mpremote")
IN_CI = os.environ.get("CI") == "true"
sys.path.insert(0, os.path.join(ROOT, "tools"))

import gen_packages  # noqa: E402


def test_package_files_are_current():
    for name, pkg in gen_packages.packages().items():
        with open(os.path.join(ROOT, name)) as f:
            assert f.read() == gen_packages.render(pkg), \
                "%s is stale: run python tools/gen_packages.py" % name
    core = dict(gen_packages.packages()["package.json"]["urls"])
    assert "nts/engine.py" in core and "rtc/base.py" in core and "rtc/esp32.py" not in core
    assert "micropython.py" not in core     # the CPython stand-in never goes to a board
    # The OCPP layer is an optional part: not in the core, all of it in package-ocpp.json.
    ocpp = dict(gen_packages.packages()["package-ocpp.json"]["urls"])
    assert not any(k.startswith("nts/ocpp/") for k in core)
    want = sorted("nts/ocpp/" + f for f in os.listdir(os.path.join(ROOT, "firmware", "nts", "ocpp"))
                  if f.endswith(".py"))
    assert sorted(ocpp) == want


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        self.server.requests.append(self.path)


@pytest.fixture
def http_root():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          functools.partial(_Quiet, directory=ROOT))
    srv.requests = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def pty_repl(tmp_path):
    socat = shutil.which("socat")
    if not socat:
        if IN_CI:
            pytest.fail("socat missing but CI=true (apt-get install socat)")
        pytest.skip("socat not installed")
    link = str(tmp_path / "pty")
    proc = subprocess.Popen(
        ["timeout", "120", socat, "PTY,link=%s,raw,echo=0" % link,
         "EXEC:%s,pty,stderr,setsid,ctty,rawer" % MICROPYTHON],
        cwd=str(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists(link) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield link
    proc.terminate()
    proc.wait(10)


def mpremote(link, *args):
    p = subprocess.run([MPREMOTE, "connect", link, "resume"] + list(args),
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def test_mip_install_over_http_into_a_pty_repl(http_root, pty_repl, tmp_path):
    base = "http://127.0.0.1:%d" % http_root.server_address[1]
    lib = str(tmp_path / "lib")
    transcript = []
    for pkg in ("package.json", "package-rtc-unix.json", "package-ocpp.json"):
        args = ["mip", "install", "--target", lib, "%s/%s" % (base, pkg)]
        rc, out = mpremote(pty_repl, *args)
        transcript.append("$ mpremote connect PTY resume %s\n%s" % (" ".join(args), out))
        assert rc == 0, out
    pkgs = gen_packages.packages()
    for dest, src in pkgs["package.json"]["urls"] + pkgs["package-ocpp.json"]["urls"]:
        with open(os.path.join(lib, dest), "rb") as a, open(os.path.join(ROOT, src), "rb") as b:
            assert a.read() == b.read(), dest
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import nts, nts.engine, nts.keclient, rtc.unix\n"
            "from nts.selftest import run\n"
            "print('imported', nts.engine.__file__, len(run()), 'self-tests ok')\n"
            "from nts.ocpp import settings, v201\n"
            "print('nts.ocpp:', len(settings.table()), 'settings')" % lib)
    rc, out = mpremote(pty_repl, "exec", code)
    transcript.append("$ mpremote connect PTY resume exec <import nts, nts.engine, "
                      "rtc.unix; nts.selftest.run(); import nts.ocpp.settings, "
                      "nts.ocpp.v201>\n%s" % out)
    assert rc == 0 and "imported %s/nts/engine.py" % lib in out and "self-tests ok" in out, out
    assert "nts.ocpp: %d settings" % len(settings_table()) in out, out
    assert "/package.json" in http_root.requests and "/firmware/nts/engine.py" in http_root.requests
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "mip-transcript.txt"), "w") as f:
        f.write("\n".join(t.replace(str(tmp_path), "/tmp/T").replace(base, "http://127.0.0.1:PORT")
                          for t in transcript))


def settings_table():
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from nts.ocpp import settings
    return settings.table()
