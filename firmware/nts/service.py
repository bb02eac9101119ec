# Start-up glue for a board: the sync engine from a configuration and the board settings
# (nts.board: RTC_DRIVER, STATE_PATH, CA_DIR), running as an asyncio task.
#
#   import asyncio, nts.service
#   engine = nts.service.start(config_dict, hook=on_event)   # inside a running loop
#   ... nts.status() at the REPL
#
# Root CAs: CA_DIR holds one folder per RootCAs group, with PEM or DER files inside;
# servers whose RootCAs is "" use the folder `default` (nts.engine.DEFAULT_CA_GROUP).
import os

from nts import board
from nts.config import Config
from nts.engine import Engine, Transport
from nts.errors import ConfigError
from nts.state import Store

DEFAULT_STATE_PATH = "nts_state.bin"
DEFAULT_CA_DIR = "certs"
_DIR_FLAG = 0x4000      # S_IFDIR in os.stat()[0]


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


def make_engine(config, hook=None, clock=None):
    """An Engine for this board with its persisted sessions resumed (not yet running)."""
    if isinstance(config, dict):
        config = Config.from_dict(config)
    engine = Engine(config, clock or board.clock(),
                    Transport(trust_store(board.setting("CA_DIR", DEFAULT_CA_DIR))),
                    Store(board.setting("STATE_PATH", DEFAULT_STATE_PATH)), hook)
    engine.load_state()
    return engine


def start(config, hook=None, clock=None):
    """make_engine() and schedule engine.run() on the running asyncio loop."""
    import asyncio
    engine = make_engine(config, hook, clock)
    asyncio.create_task(engine.run())
    return engine
