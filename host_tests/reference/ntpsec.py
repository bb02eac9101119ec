"""NTPsec's ntpd as an NTS server on loopback, for interop tests.

    with NTPsec(tmpdir, chain_pem, key_pem) as nt:
        nt.ke_port (4460), nt.ntp_port (123), nt.version

NTPsec conflicts with chrony as a Debian package, so tools/fetch_ntpsec.sh unpacks it into
build/ntpsec/. Its 1.2.2 has no option for the NTS-KE port (4460) nor the NTP port (123),
so those are used (CI is root); if either is busy the runner raises PortsBusy and tests
skip. The NTS-KE listener binds the wildcard address (not configurable in 1.2.2); NTP is
restricted to 127.0.0.1 by `interface`.

The clock: `disable ntp` and `disable kernel` open the discipline loop, but ntpd still
calls ntp_adjtime() at start (frequency). It therefore only runs with CAP_SYS_TIME dropped
from its bounding set (daemon.no_clock_prefix); without that guard it refuses to start.
`tos orphan 10 orphanwait 0` makes it serve time at stratum 10 with no upstream source.
"""
import os
import subprocess

from host_tests.reference.daemon import (HOST, Daemon, DaemonError, no_clock_prefix, port_free,
                                        wait_synchronized)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NTPD = os.path.join(ROOT, "build", "ntpsec", "usr", "sbin", "ntpd")
KE_PORT = 4460
NTP_PORT = 123


class PortsBusy(DaemonError):
    pass


def find_ntpd():
    return NTPD if os.access(NTPD, os.X_OK) else None


def ntpd_version(binary):
    out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    return out.split("-")[-1].strip() if "ntpsec" in out else "?"


CONF = """\
nts enable
nts cert {cert}
nts key {key}
nts cookie {dir}/nts-keys
interface ignore wildcard
interface listen {host}
disable ntp
disable kernel
disable stats
tos orphan 10 orphanwait 0
restrict default ignore
restrict {host}
"""


class NTPsec(Daemon):
    def __init__(self, tmpdir, cert_chain, key, lifetime=300.0, binary=None):
        self.binary = binary or find_ntpd()
        if not self.binary:
            raise FileNotFoundError("%s missing (run tools/fetch_ntpsec.sh)" % NTPD)
        if not no_clock_prefix():
            raise DaemonError("cannot drop CAP_SYS_TIME (setpriv): refusing to run ntpd")
        for port in (KE_PORT, NTP_PORT):
            if not port_free(port):
                raise PortsBusy("port %d on %s is busy" % (port, HOST))
        self.version = ntpd_version(self.binary)
        self.ke_port = KE_PORT
        self.ntp_port = NTP_PORT
        self.dir = os.path.join(tmpdir, "ntpsec")
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "ntp.conf")
        with open(conf, "w") as f:
            f.write(CONF.format(cert=cert_chain, key=key, dir=self.dir, host=HOST))
        Daemon.__init__(self, [self.binary, "-n", "-c", conf, "-l",
                               os.path.join(self.dir, "ntpd.log")],
                        os.path.join(self.dir, "ntpd.out"), self.ke_port, lifetime)

    def start(self):
        """Also wait until it leaves the INIT state (it answers KoD INIT until then)."""
        Daemon.start(self)
        try:
            wait_synchronized(self.ntp_port, 60)
        except DaemonError as e:
            self.stop()
            raise DaemonError("%s\n%s" % (e, self.log_tail()))
        return self

    def log_tail(self, n=30):
        out = Daemon.log_tail(self, n)
        try:
            with open(os.path.join(self.dir, "ntpd.log"), "rb") as f:
                out += "\n" + b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            pass
        return out
