"""`make demo`: the embedded default, on loopback only.

1. The crypto power-on self-test on the MicroPython unix port.
2. Local NTS servers on 127.0.0.1 with a throwaway CA (host_tests/certs.py): two honest
   reference servers, one lying by an hour, one dead (a port nobody listens on), and
   chrony too when chronyd is installed.
3. The MicroPython client (`micropython -m nts sync --json`) against all of them; then
   who was trusted and why. The host clock is never set (the client keeps a software
   offset; the servers run without the right to set it).
4. Every server is stopped.
"""
import json
import os
import subprocess
import sys
import tempfile

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


def explain(out, servers):
    by_addr = dict((s[2], s) for s in servers)
    print("\n3. who was trusted and why (min %d agreeing sources):" % out["min_servers"])
    for r in out["servers"]:
        addr = "%s:%d" % (r["host"], r["port"])
        label = by_addr[addr][0]
        if r["verdict"] == "truechimer":
            why = ("TRUSTED: authenticated (AEAD %d, %d cookies), offset %+.3f ms, its "
                   "interval overlaps the majority's" % (r["aead"], r["cookies"],
                                                         r["offset_s"] * 1000))
        elif r["authenticated"]:
            why = ("OUTVOTED falseticker: authenticated but says %+.3f s; %s"
                   % (r["offset_s"], r["verdict"]))
        else:
            why = "SKIPPED: %s" % (r["error"]["message"] if r["error"] else r["verdict"])
        print("   %-26s %-16s %s" % (label, addr, why))
    if out["ok"]:
        print("\n   => time from %d agreeing servers: offset %+.3f ms (the client's software "
              "clock only; the host clock was not touched)" % (len(out["truechimers"]),
                                                                out["offset_s"] * 1000))
    else:
        print("\n   => NO TIME: %s" % out["reason"])


def main():
    if not os.path.exists(MICROPYTHON):
        sys.exit("micropython not found next to %s: run `make setup`" % sys.executable)
    selftest()
    from host_tests.certs import make_chain
    with tempfile.TemporaryDirectory(prefix="mpnts-demo-") as tmp:
        chain = make_chain(tmp, kind="ecdsa", intermediates=1, leaves=4)
        print("2. local NTS servers on 127.0.0.1, throwaway CA in %s" % tmp)
        servers = start_servers(tmp, chain)
        try:
            for label, role, addr, _ in servers:
                print("   %-26s %-16s %s" % (label, addr, role))
            cmd = [MICROPYTHON, "-m", "nts", "sync", "--ca", chain.root_pem_path,
                   "--name", "localhost", "--min-servers", "2", "--json"]
            for s in servers:
                cmd += ["--server", s[2]]
            print("\n   $ cd firmware && micropython -m nts sync --server ... --ca root.pem "
                  "--name localhost --min-servers 2 --json")
            p = subprocess.run(cmd, cwd=os.path.join(ROOT, "firmware"), capture_output=True,
                               text=True, timeout=120)
        finally:
            for s in servers:
                s[3]()
        try:
            out = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            print(p.stdout + p.stderr)
            sys.exit("the MicroPython client failed")
        print("   (%d ms for key exchange with every server and one authenticated query "
              "each, in parallel)" % out["sync_ms"])
        explain(out, servers)
        print("\n4. all servers stopped.")
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
