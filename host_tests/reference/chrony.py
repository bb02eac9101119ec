"""Debian's chronyd as an NTS server on loopback, for interop tests.

    with Chrony(tmpdir, chain_pem, key_pem) as ch:
        ch.ke_port, ch.ntp_port, ch.version

Unprivileged ephemeral ports (`port`, `ntsport`), `-x` (never control the clock) on top
of a CAP_SYS_TIME-less bounding set, `-d` (foreground), `-u root` (no privilege drop, so
it can read the throwaway key in tmpdir), `local stratum 10` so it serves time without an
upstream source, command port and socket off. chrony sends the NTP port in a Port
Negotiation record because it is not 123.
"""
import os
import re
import shutil
import subprocess

from host_tests.reference.daemon import HOST, Daemon, free_port

CHRONYD_PATHS = ("/usr/sbin/chronyd", "/sbin/chronyd")


def find_chronyd():
    for p in CHRONYD_PATHS:
        if os.access(p, os.X_OK):
            return p
    return shutil.which("chronyd")


def chronyd_version(binary):
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else "?"


CONF = """\
port {ntp_port}
ntsport {ke_port}
bindaddress {host}
cmdport 0
bindcmdaddress /
allow {host}
local stratum 10
ntsservercert {cert}
ntsserverkey {key}
ntsdumpdir {dir}
ntsprocesses 0
pidfile {dir}/chronyd.pid
"""


class Chrony(Daemon):
    def __init__(self, tmpdir, cert_chain, key, lifetime=300.0, binary=None):
        self.binary = binary or find_chronyd()
        if not self.binary:
            raise FileNotFoundError("chronyd not installed (apt-get install chrony)")
        self.version = chronyd_version(self.binary)
        self.dir = os.path.join(tmpdir, "chrony")
        os.makedirs(self.dir, exist_ok=True)
        self.ke_port = free_port()
        self.ntp_port = free_port()
        conf = os.path.join(self.dir, "chrony.conf")
        with open(conf, "w") as f:
            f.write(CONF.format(ntp_port=self.ntp_port, ke_port=self.ke_port, host=HOST,
                                cert=cert_chain, key=key, dir=self.dir))
        Daemon.__init__(self, [self.binary, "-x", "-d", "-u", "root", "-f", conf],
                        os.path.join(self.dir, "chronyd.log"), self.ke_port, lifetime)
