# The board service (nts.service): start-up from the board settings, CA_DIR checked at
# start, the application keeps running without time sync when the configuration is
# unusable, and an interruption hands cookies to flash and leaves a status record.
import asyncio
import json
import os

from nts import board, engine as engmod, service
from nts.errors import ConfigError
from portability import run_loop
from support import raises

_saved = (board._settings, engmod.current)


def _restore():
    board._settings, engmod.current = _saved


class _Settings:
    pass


def _setup(tag):
    d = "build/service_%s_%s" % (tag, __import__("sys").implementation.name)
    for sub in ("", "/certs", "/certs/default"):
        try:
            os.mkdir(d + sub)
        except OSError:
            pass
    s = _Settings()
    s.CONFIG_PATH = d + "/nts_config.json"
    s.STATUS_PATH = d + "/nts_status.json"
    s.STATE_PATH = d + "/nts_state.bin"
    s.CA_DIR = d + "/certs"
    for p in (s.CONFIG_PATH, s.STATUS_PATH, s.STATE_PATH, d + "/certs/default/root.pem"):
        try:
            os.remove(p)
        except OSError:
            pass
    board._settings = s
    engmod.current = None
    return s


async def _nothing():
    pass


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_start_without_configuration_lets_the_application_run():
    s = _setup("nocfg")
    ran = []

    async def app():
        ran.append(1)

    async def main():
        assert service.start() is None
        await app()
    try:
        run_loop(main())
        assert ran and "CONFIG_PATH" in service.start_error
        service.write_record(None)
        assert "CONFIG_PATH" in service.read_record()["error"]
    finally:
        _restore()


def test_ca_dir_checked_at_start():
    s = _setup("noca")
    _write(s.CONFIG_PATH, '{"servers": [{"ServerURL": "127.0.0.1", "RootCAs": "ptb"}]}')
    try:
        e = raises(ConfigError, service.make_engine)
        assert e.field == "servers[ntp1].RootCAs" and "ptb" in str(e)
    finally:
        _restore()


def test_station_certificates_for_gateways_checked_at_start():
    # ClientCertificate NAME (NTPv4TLS): CLIENT_CERT_DIR/NAME/cert.pem and key.pem.
    s = _setup("client")
    s.CLIENT_CERT_DIR = s.CA_DIR[:-len("certs")] + "client_certs"
    _write(s.CA_DIR + "/default/root.pem", "placeholder")   # the CA check only counts files
    _write(s.CONFIG_PATH, '{"servers": [{"ServerURL": "smgw.local", "ServerPort": 443, '
           '"Mode": "NTPv4TLS", "ClientCertificate": "station"}]}')
    d = s.CLIENT_CERT_DIR + "/station"
    for sub in (s.CLIENT_CERT_DIR, d):
        try:
            os.mkdir(sub)
        except OSError:
            pass
    for name in ("cert.pem", "key.pem", "key.der"):
        try:
            os.remove(d + "/" + name)
        except OSError:
            pass
    try:
        e = raises(ConfigError, service.make_engine)
        assert e.field == "ClientCertificate" and "station" in str(e)
        _write(d + "/cert.pem", "c")
        _write(d + "/key.der", "k")
        eng = service.make_engine()
        ident = eng.transport.identities["station"]
        assert (ident.cert_path, ident.key_path) == (d + "/cert.pem", d + "/key.der")
        # a configuration without gateways needs no folder at all
        assert service.client_identities("/nonexistent", eng.config.__class__.from_dict(
            {"servers": [{"ServerURL": "a"}]})) == {}
    finally:
        _restore()


def test_interrupt_persists_and_leaves_a_status_record():
    s = _setup("intr")
    # A CA file that is not a certificate: the key exchange fails before any network.
    _write(s.CONFIG_PATH, "ntp.legal.servers = 127.0.0.1\nntske.legal.ports = 9\n")
    _write(s.CA_DIR + "/default/root.pem", "not a certificate\n")

    async def app():
        await asyncio.sleep(0.2)
        raise KeyboardInterrupt

    try:
        _interrupted(app)
    finally:
        _restore()


def _interrupted(app):
    run_loop(_nothing())        # SkipTest where the port has no blocking asyncio.run
    raises(KeyboardInterrupt, service.run, app())
    rec = service.read_record()
    assert rec["rounds"] == 1 and rec["servers"][0]["name"] == "legal1"
    assert rec["servers"][0]["errors"] >= 1 and not rec["groups"]["legal"]["ok"]
    assert service.status(True)["servers"][0]["host"] == "127.0.0.1"    # live engine
    engmod.current = None
    assert service.status(True) == rec                                 # after a reset
    json.dumps(rec)


def test_release_forgets_only_key_exchange_modules():
    import sys
    import nts.crypto.modinv
    import nts.values
    resident = [n for n in sys.modules if n not in ("nts.crypto.modinv", "nts.values")]
    assert service.release(resident) == 1
    assert "nts.crypto.modinv" not in sys.modules and "nts.values" in sys.modules
    import nts.crypto
    assert not hasattr(nts.crypto, "modinv")
    import nts.crypto.modinv as again     # a later key exchange imports it afresh
    assert again.__name__ == "nts.crypto.modinv"
