"""`make demo`: the white paper's flow, on loopback only.

1. The crypto power-on self-test on the MicroPython unix port.
2. Local NTS servers on 127.0.0.1 with a throwaway CA (host_tests/certs.py): two honest
   reference servers, one lying by an hour, one dead (a port nobody listens on), and
   chrony too when chronyd is installed.
3. A CSMS built with the `ocpp` package (OCPP 1.6, host_tests/cpython/csms.py) and a
   MicroPython charge point (`micropython -m nts station`) whose clock starts an hour
   off. The CSMS installs the root CA as NetworkTimeRootCertificate and sets the NTS
   servers with ChangeConfiguration; the station syncs (liar outvoted, dead skipped),
   steps its clock and reports SettingSystemTime, which the CSMS prints. The host clock
   is never set (the station keeps a software clock; the servers cannot set it).
4. Everything is stopped.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")


def selftest():
    p = subprocess.run([MICROPYTHON, "-c", "import nts.selftest; print(' '.join(nts.selftest.run()))"],
                       cwd=os.path.join(ROOT, "firmware"), capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        sys.exit("power-on self-test FAILED under MicroPython")
    print("1. power-on crypto self-test on MicroPython: ok (%s)"
          % p.stdout.strip().replace(" ", ", "))


def start_servers(tmp, chain):
    from host_tests.reference.daemon import free_port
    from host_tests.reference.server import ReferenceServer
    servers = []    # (label, role, "host:port", stop)
    # One certificate each: servers sharing one count once (nts.sources).
    for i, (label, lie) in enumerate((("reference A", 0), ("reference B", 0),
                                      ("reference C (lies +1 h)", 3600))):
        srv = ReferenceServer(*chain.leaves[i], faults={"lie": lie} if lie else None,
                              lifetime=120).start()
        servers.append((label, "liar" if lie else "honest", "127.0.0.1:%d" % srv.ke_port, srv.stop))
    try:
        from host_tests.reference.chrony import Chrony, find_chronyd
        if find_chronyd():
            ch = Chrony(tmp, *chain.leaves[3], lifetime=120).start()
            servers.append(("chrony %s" % ch.version, "honest", "127.0.0.1:%d" % ch.ke_port,
                            ch.stop))
        else:
            print("   (chronyd not installed: demo without chrony)")
    except Exception as e:      # chrony is optional for the demo
        print("   (chrony did not start: %s)" % e)
    servers.append(("dead server", "dead", "127.0.0.1:%d" % free_port(), lambda: None))
    return servers


GROUP = "legalTimeCA"


def say(text=""):
    print(text, flush=True)


def station_lines(proc, sink):
    for line in proc.stdout:
        try:
            sink.append(json.loads(line))
        except ValueError:
            pass


def wait_event(events, kind, timeout, pred=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for e in list(events):
            if e.get("event") == kind and (pred is None or pred(e)):
                return e
        time.sleep(0.05)
    return None


def ocpp_flow(chain, servers):
    from host_tests.cpython.csms import CSMS
    csms = CSMS("1.6", heartbeat=60).start()
    state = tempfile.mkdtemp(prefix="mpnts-station-")
    cmd = [MICROPYTHON, "-m", "nts", "station", "--csms", csms.url, "--id", "CP-DEMO",
           "--state", state, "--clock-offset", "3600", "--json"]
    say("\n3. a CSMS (Python `ocpp` package, OCPP 1.6) on %s" % csms.url)
    say("   $ cd firmware && micropython -m nts station --csms %s --id CP-DEMO "
        "--clock-offset 3600 --json" % csms.url)
    say("   (the station's clock starts an hour ahead and untrusted, as after a power cut)")
    proc = subprocess.Popen(cmd, cwd=os.path.join(ROOT, "firmware"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    events = []
    threading.Thread(target=station_lines, args=(proc, events), daemon=True).start()
    try:
        csms.wait_connected("CP-DEMO", 30)
        boot = csms.wait_for("CP-DEMO", "BootNotification", timeout=30)[0]
        say("   CSMS <- BootNotification from %s %s: Accepted" % (boot["chargePointVendor"],
                                                              boot["chargePointModel"]))
        with open(chain.root_pem_path) as f:
            pem = f.read()
        r = csms.call("CP-DEMO", "InstallCertificate",
                      {"certificateType": "NetworkTimeRootCertificate", "certificateGroup": GROUP,
                       "certificate": pem}, ext=("InstallCertificate16Ext", None))
        say("   CSMS -> InstallCertificate NetworkTimeRootCertificate (group %s): %s"
            % (GROUP, r["status"]))
        hosts = ",".join(s[2].split(":")[0] for s in servers)
        ports = ",".join(s[2].split(":")[1] for s in servers)
        for key, value in (("ntp.legal.servers", hosts), ("ntske.legal.ports", ports),
                           ("ntp.legal.rootCAs", GROUP), ("ntp.legal.minServers", "2")):
            r = csms.call("CP-DEMO", "ChangeConfiguration", {"key": key, "value": value})
            say("   CSMS -> ChangeConfiguration %s = %s: %s" % (key, value, r["status"]))
        r = csms.call("CP-DEMO", "ChangeConfiguration", {"key": "ntp.legal.minServers", "value": "9"})
        say("   CSMS -> ChangeConfiguration ntp.legal.minServers = 9: %s (only %d servers; "
            "nothing changed)" % (r["status"], len(servers)))
        # The first round that had the whole configuration (changes settle for 1 s).
        sync = wait_event(events, "sync", 60, lambda e: len(e["servers"]) == len(servers))
        if sync is None:
            say("   the station did not sync within 60 s")
            return 1
        explain(sync, servers)
        ev = csms.wait_for("CP-DEMO", "SecurityEventNotification",
                           lambda p: p["type"] == "SettingSystemTime", timeout=30)[0]
        say("\n   CSMS <- SecurityEventNotification %s at %s\n        techInfo: %s"
            % (ev["type"], ev["timestamp"], ev["techInfo"]))
        return 0 if sync["ok"] else 1
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        csms.stop()
        shutil.rmtree(state, ignore_errors=True)


def explain(sync, servers):
    say("\n   the station synced (min 2 agreeing sources):")
    for i, (label, role, addr, _) in enumerate(servers):
        verdict = sync["servers"].get("legal%d" % (i + 1), "not queried")
        if verdict == "truechimer":
            why = "TRUSTED: authenticated, its interval overlaps the majority's"
        elif verdict.startswith("falseticker"):
            why = "OUTVOTED falseticker: authenticated but disagrees with the majority (%s)" % (
                verdict[len("falseticker: "):] if verdict.startswith("falseticker: ") else verdict)
        else:
            why = "SKIPPED: %s" % verdict
        say("   %-26s %-16s %s" % (label, addr, why))
    if sync["ok"]:
        say("   => offset %+.3f s from %d agreeing servers: the station stepped its own clock "
            "(the host clock was not touched)" % (sync["offset_s"], len(sync["truechimers"])))
    else:
        say("   => NO TIME: %s" % sync["reason"])


def main():
    if not os.path.exists(MICROPYTHON):
        sys.exit("micropython not found next to %s: run `make setup`" % sys.executable)
    t0 = time.monotonic()
    selftest()
    from host_tests.certs import make_chain
    with tempfile.TemporaryDirectory(prefix="mpnts-demo-") as tmp:
        chain = make_chain(tmp, kind="ecdsa", intermediates=1, leaves=4)
        say("2. local NTS servers on 127.0.0.1, throwaway CA in %s" % tmp)
        servers = start_servers(tmp, chain)
        try:
            for label, role, addr, _ in servers:
                say("   %-26s %-16s %s" % (label, addr, role))
            rc = ocpp_flow(chain, servers)
        finally:
            for s in servers:
                s[3]()
        say("\n4. all servers stopped, the CSMS and the station too (%.1f s in all)."
            % (time.monotonic() - t0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
