"""Run a real NTP daemon for a test: loopback only, cannot set the host clock, always
stopped (context manager, plus a watchdog that kills it after `lifetime` seconds even if
the test process dies without cleaning up)."""
import os
import shutil
import signal
import socket
import subprocess
import time

HOST = "127.0.0.1"


class DaemonError(RuntimeError):
    """The daemon did not start (its log tail is in the message)."""


def free_port(kind=socket.SOCK_STREAM):
    """A port that was free a moment ago on 127.0.0.1 for both TCP and UDP."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port_free(port):
            return port
    raise DaemonError("no free port")


def port_free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            if kind == socket.SOCK_STREAM:
                # As a listener would: TIME_WAIT leftovers of a previous daemon on this
                # port do not make it busy, another listener does.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                return False
    return True


def no_clock_prefix():
    """Command prefix that drops CAP_SYS_TIME from the bounding set before exec, so even a
    daemon running as root cannot step or slew the host clock. Empty if unavailable."""
    setpriv = shutil.which("setpriv")
    if setpriv and subprocess.run([setpriv, "--bounding-set", "-sys_time", "true"],
                                  capture_output=True).returncode == 0:
        return [setpriv, "--bounding-set", "-sys_time", "--"]
    return []


class Daemon:
    """A subprocess with a log file, a readiness wait on a TCP port, and a watchdog."""

    def __init__(self, cmd, log_path, ready_port, lifetime=300.0, startup=10.0):
        self.cmd = no_clock_prefix() + list(cmd)
        self.log_path = log_path
        self.ready_port = ready_port
        self.lifetime = lifetime
        self.startup = startup
        self.proc = None
        self._watchdog = None

    def start(self):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        # An independent sleeper kills the daemon's process group when the lifetime ends,
        # even if this Python process is killed first.
        self._watchdog = subprocess.Popen(
            ["sh", "-c", "sleep %d; kill -9 -%d 2>/dev/null" % (int(self.lifetime),
                                                                 self.proc.pid)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise DaemonError("%s exited with %s:\n%s" % (self.cmd[-1], self.proc.returncode,
                                                              self.log_tail()))
            try:
                socket.create_connection((HOST, self.ready_port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise DaemonError("port %d not ready after %.0f s:\n%s"
                          % (self.ready_port, self.startup, self.log_tail()))

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.proc.wait(5)
        if self._watchdog is not None and self._watchdog.poll() is None:
            os.killpg(self._watchdog.pid, signal.SIGKILL)
            self._watchdog.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def ntp_status(port, timeout=0.5):
    """(leap, stratum) from a plain unauthenticated mode-3 query, or None on no answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(b"\x23" + bytes(39) + os.urandom(8), (HOST, port))
            data = s.recv(2048)
        except OSError:
            return None
    return (data[0] >> 6, data[1]) if len(data) >= 48 else None


def wait_synchronized(port, timeout):
    """Wait until the server answers as synchronized (leap != 3, stratum 1..15)."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = ntp_status(port)
        if status is not None and status[0] != 3 and 1 <= status[1] <= 15:
            return status
        time.sleep(0.25)
    raise DaemonError("NTP port %d not synchronized after %.0f s (last: %r)"
                      % (port, timeout, status))
