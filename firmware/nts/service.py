# The board service: the sync engine from the configuration file and the board settings
# (nts.board: RTC_DRIVER, STATE_PATH, CA_DIR, CLIENT_CERT_DIR, CONFIG_PATH, STATUS_PATH),
# on the asyncio
# loop next to the application's own tasks. boards/main.py is the start-up path:
#
#   import nts.service
#   async def charger(): ...                  # the application's own task(s)
#   nts.service.run(charger())                # never returns until interrupted
#
# or, inside an application that runs its own loop: engine = nts.service.start().
#
# Configuration: CONFIG_PATH (default nts_config.json), JSON or OCPP 1.6 key=value
# (nts.configfile). Root CAs: CA_DIR holds one folder per RootCAs group with PEM or DER
# files inside; servers whose RootCAs is "" use the folder `default`
# (nts.engine.DEFAULT_CA_GROUP). The CA files are read when a key exchange is due, not at
# start: a board that resumes its persisted sessions never loads the certificate code.
# Station certificates for NTPv4TLS gateways (ClientCertificate NAME, nts.smgw):
# CLIENT_CERT_DIR/NAME/ holds cert.pem and key.pem (or cert.der, key.der), stored like
# the root CAs and checked at start.
#
# Interruption (Ctrl-C, or mpremote entering its raw REPL): run() hands every cookie to
# flash (engine.shutdown) and writes a small status record (STATUS_PATH), so that
# `tools/deploy.py status` can show the status even after a soft reset, and the next
# start (main.py again, after the soft reset deploy.py asks for) resumes the sessions
# without a key exchange. Nothing is written in steady state: the record costs no flash
# wear.
import os

from nts import board
from nts.engine import Engine, Transport
from nts.errors import ConfigError, NTSError
from nts.state import Store

DEFAULT_STATE_PATH = "nts_state.bin"
DEFAULT_CA_DIR = "certs"
DEFAULT_CLIENT_CERT_DIR = "client_certs"
DEFAULT_CONFIG_PATH = "nts_config.json"
DEFAULT_STATUS_PATH = "nts_status.json"
_DIR_FLAG = 0x4000      # S_IFDIR in os.stat()[0]

start_error = ""        # why the last start() did not start an engine ("" = it did)
task = None             # the asyncio task running the engine started by start()


def _is_dir(path):
    try:
        return os.stat(path)[0] & _DIR_FLAG != 0
    except OSError:
        return False


def trust_store(ca_dir):
    """A TrustStore with one group per sub-folder of ca_dir; ConfigError when empty."""
    from nts.tls.trust import TrustStore
    store = TrustStore()
    if not _is_dir(ca_dir):
        raise ConfigError("CA_DIR", "no folder %s" % ca_dir)
    for group in sorted(os.listdir(ca_dir)):
        gdir = ca_dir + "/" + group
        if not _is_dir(gdir):
            continue
        for name in sorted(os.listdir(gdir)):
            path = gdir + "/" + name
            if not _is_dir(path):
                store.load(group, path)
    if not store.groups():
        raise ConfigError("CA_DIR", "no certificates under %s" % ca_dir)
    return store


def check_ca_dir(ca_dir, config):
    """ConfigError unless every RootCAs group the configuration uses has a folder with
    at least one file (checked at start, without loading the certificate code)."""
    from nts.engine import DEFAULT_CA_GROUP
    for s in config.servers:
        group = s.RootCAs or DEFAULT_CA_GROUP
        gdir = ca_dir + "/" + group
        if not _is_dir(gdir) or not os.listdir(gdir):
            raise ConfigError("servers[%s].RootCAs" % s.Instance,
                              "no CA files in %s (group %r)" % (gdir, group))


def client_identities(cert_dir, config):
    """{ClientCertificate name: nts.smgw.Identity} for the servers that name one;
    ConfigError when a name has no certificate and key under cert_dir."""
    names = sorted(set(s.ClientCertificate for s in config.servers if s.ClientCertificate))
    if not names:
        return {}
    from nts.smgw import Identity
    out = {}
    for name in names:
        files = {}
        for part in ("cert", "key"):
            for ext in (".pem", ".der"):
                path = "%s/%s/%s%s" % (cert_dir, name, part, ext)
                try:
                    os.stat(path)
                except OSError:
                    continue
                files[part] = path
                break
        if len(files) != 2:
            raise ConfigError("ClientCertificate", "no cert.pem and key.pem (or .der) in %s/%s"
                              % (cert_dir, name))
        out[name] = Identity(files["cert"], files["key"])
    return out


# Modules only a key exchange needs (TLS, X.509, signatures, X25519, the TLS record
# AEAD): released after it. Not nts.ke (its result lives on in the session) nor the
# NTP AEADs (AES-SIV, GCM-SIV), which every query uses.
KE_ONLY = ("nts.keclient", "nts.tls", "nts.crypto.x25519", "nts.crypto.ec",
           "nts.crypto.rsa", "nts.crypto.signature", "nts.crypto.sha512",
           "nts.crypto.modinv", "nts.crypto.gcm", "nts.crypto.hkdf", "nts.certcheck")


def release(resident):
    """Forget the KE_ONLY modules imported since `resident` (names in sys.modules then):
    on a .mpy bundle their bytecode (~half the import heap) leaves the heap until the
    next key exchange (days, with MinRefresh); frozen, they cost little RAM either way.
    Returns how many were released."""
    import gc
    import sys
    n = 0
    for name in list(sys.modules):
        if name in resident or not name.startswith(KE_ONLY):
            continue
        mod = sys.modules.pop(name)
        parent, _, child = name.rpartition(".")
        pkg = sys.modules.get(parent)
        if pkg is not None and getattr(pkg, child, None) is mod:
            delattr(pkg, child)
        n += 1
    gc.collect()
    return n


class BoardTransport(Transport):
    """The engine's Transport with the trust store read from CA_DIR when a key exchange
    is due and dropped after the last concurrent one, together with the key-exchange
    code (release), so that neither stays on the heap between key exchanges."""

    def __init__(self, ca_dir, **kw):
        import sys
        Transport.__init__(self, None, **kw)
        self.ca_dir = ca_dir
        self._active = 0
        self._resident = list(sys.modules)   # what the engine needs between key exchanges
        self.released = 0

    async def key_exchange(self, cfg, cert_policy, gate):
        self._hold()
        try:
            return await Transport.key_exchange(self, cfg, cert_policy, gate)
        finally:
            self._drop()

    async def smgw(self, cfg, cert_policy):
        # The gateway's chain is checked against the trust store like a key exchange's.
        self._hold()
        try:
            return await Transport.smgw(self, cfg, cert_policy)
        finally:
            self._drop()

    def _hold(self):
        if self.store is None:
            self.store = trust_store(self.ca_dir)
        self._active += 1

    def _drop(self):
        self._active -= 1
        if not self._active:
            self.store = None
            self.released += release(self._resident)


def load_config(path=None):
    from nts import configfile
    return configfile.load(path or board.setting("CONFIG_PATH", DEFAULT_CONFIG_PATH))


def make_engine(config=None, hook=None, clock=None):
    """An Engine for this board with its persisted sessions resumed (not yet running).
    config: a Config, its dict form, or None for the configuration file."""
    from nts.config import Config
    if config is None:
        config = load_config()
    elif isinstance(config, dict):
        config = Config.from_dict(config)
    ca_dir = board.setting("CA_DIR", DEFAULT_CA_DIR)
    check_ca_dir(ca_dir, config)
    for w in config.warnings:
        print("mpnts: warning:", w)
    transport = BoardTransport(ca_dir)
    transport.identities = client_identities(
        board.setting("CLIENT_CERT_DIR", DEFAULT_CLIENT_CERT_DIR), config)
    engine = Engine(config, clock or board.clock(), transport,
                    Store(board.setting("STATE_PATH", DEFAULT_STATE_PATH)), hook)
    engine.load_state()
    return engine


def start(config=None, hook=None, clock=None):
    """make_engine() and schedule engine.run() on the running asyncio loop. Returns the
    engine, or None (reason printed and kept in start_error) when the configuration,
    the CAs or the clock are not usable: the application runs on without time sync."""
    global start_error, task
    import asyncio
    try:
        engine = make_engine(config, hook, clock)
    except (NTSError, OSError, ValueError) as e:
        start_error = "%s: %s" % (type(e).__name__, e)
        print("mpnts: not started:", start_error)
        return None
    start_error = ""
    task = asyncio.create_task(engine.run())
    return engine


def run(*apps, config=None, hook=None, clock=None):
    """The start-up path for main.py: start() and the application's coroutines `apps`
    on one asyncio loop, until interrupted; then stop() and re-raise."""
    import asyncio

    async def main():
        engine = start(config, hook, clock)
        if apps:
            await asyncio.gather(*apps)
        if engine is not None:
            await task

    try:
        asyncio.run(main())
    finally:
        stop()


def _kbd_intr(c):
    try:
        import micropython
        micropython.kbd_intr(c)
    except (ImportError, AttributeError):
        pass


def stop():
    """Hand every cookie to flash and write the status record (the engine's task is
    gone with the loop). Ctrl-C is held off meanwhile: mpremote sends more than one."""
    from nts import engine as engmod
    eng = engmod.current
    _kbd_intr(-1)
    try:
        if eng is not None:
            eng.shutdown()
        write_record(eng)
    finally:
        _kbd_intr(3)


def write_record(eng):
    """The status record: what nts.status(True) shows, plus the round count (or why no
    engine runs), as JSON at STATUS_PATH. Secrets cannot reach it (nts.statusview)."""
    import json
    from nts import statusview
    if eng is not None:
        rec = statusview.model(eng.snapshot())
        rec["rounds"] = eng.rounds
    else:
        rec = {"error": start_error or "no sync engine running"}
    from nts.atomicfile import write_atomic
    try:
        write_atomic(board.setting("STATUS_PATH", DEFAULT_STATUS_PATH), json.dumps(rec).encode())
    except OSError as e:
        print("mpnts: status record not written:", e)


def read_record():
    import json
    try:
        with open(board.setting("STATUS_PATH", DEFAULT_STATUS_PATH)) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


def status(as_data=False):
    """nts.status() of the engine in RAM; after a soft reset, the status record the
    interrupted service wrote (marked as such). What `tools/deploy.py status` runs."""
    import nts
    from nts import engine as engmod
    if engmod.current is not None:
        return nts.status(as_data)
    rec = read_record()
    if as_data:
        return rec
    if rec is None:
        print("mpnts: no sync engine running and no status record" +
              (" (%s)" % start_error if start_error else ""))
    elif "error" in rec:
        print("mpnts: no sync engine running:", rec["error"])
    else:
        from nts import statusview
        print("(status record written when the service was interrupted)")
        print(statusview.render(rec))
