# Operator view: a pure function of a snapshot; never keys or cookie bytes.
from nts import statusview

T = 1795713472 * 1000000000
SECRET_KEY = b"\xde\xad\xbe\xef" * 8
SECRET_COOKIE = b"\xc0\x0c\x1e\x5e" * 25


def _snapshot():
    return {
        "time_ns": T,
        "clock": {"driver": "ESP32RTC", "trusted": True},
        "groups": {"legal": {"ok": True, "offset": 0.000123, "truechimers": ["ptb1", "ptb2"],
                             "min_servers": 2, "errors": 0, "last_sync_ns": T - 60000000000},
                   "local": {"ok": False, "reason": "no majority", "errors": 11,
                             "disabled": True}},
        "servers": [
            {"name": "ptb1", "host": "ptbtime1.ptb.de", "port": 123, "mode": "NTSv4",
             "state": "ok", "offset": 0.0001, "delay": 0.0123, "stratum": 1,
             "cookies": [SECRET_COOKIE] * 7, "aead": 15, "last_ke": 1795710000, "errors": 0,
             "c2s": SECRET_KEY, "s2c": SECRET_KEY, "keys": (SECRET_KEY,)},
            {"name": "ptb3", "host": "ptbtime3.ptb.de", "port": 123, "mode": "NTSv4",
             "state": "backoff", "cookies": 0, "aead": None, "errors": 3,
             "last_error": "NetError: timeout",
             "signature": "invalid: p256: ECDSA signature mismatch"},
        ]}


def test_model_whitelists_and_counts():
    m = statusview.model(_snapshot())
    s = m["servers"][0]
    assert s["cookies"] == 7 and s["aead_name"] == "AES-SIV-CMAC-256"
    assert "c2s" not in s and "keys" not in s and "s2c" not in s
    assert m["servers"][1]["aead_name"] == "" and m["servers"][1]["offset"] is None
    assert m["groups"]["legal"]["truechimers"] == ["ptb1", "ptb2"]
    assert m["groups"]["local"]["disabled"] is True
    assert m["clock"] == {"driver": "ESP32RTC", "trusted": True, "last_adjustment": None}
    text = repr(m)
    assert "deadbeef" not in text and "\\xde" not in text and "\\xc0" not in text


def test_render_table():
    text = statusview.render(_snapshot())
    lines = text.split("\n")
    assert lines[0] == "mpnts status at 2026-11-26T17:17:52Z; clock trusted (ESP32RTC)"
    assert lines[1].startswith("group legal: OK offset +0.123 ms from ptb1,ptb2 (min 2)")
    assert "last sync 2026-11-26T17:16:52Z" in lines[1]
    assert lines[2] == "group local: NO TIME: no majority; errors 11; features disabled"
    assert lines[3].split()[:3] == ["server", "address", "mode"]
    row = lines[4].split()
    assert row[:9] == ["ptb1", "ptbtime1.ptb.de:123", "NTSv4", "ok", "+0.100", "+12.300", "1",
                       "7", "AES-SIV-CMAC-256"]
    assert row[9] == "2026-11-26T16:20:00Z"
    assert lines[5].split()[-8:] == ["NetError:", "timeout", "signature", "invalid:", "p256:",
                                     "ECDSA", "signature", "mismatch"]
    assert "signature" not in lines[4]          # SignedResponses off: nothing to say
    assert "\xde" not in text and "deadbeef" not in text.lower()


def test_legal_disabled_is_loud_and_empty_snapshot_renders():
    snap = {"groups": {"legal": {"ok": False, "disabled": True}}}
    assert "LEGAL-TIME FEATURES DISABLED" in statusview.render(snap)
    text = statusview.render({})
    assert text.startswith("mpnts status; clock NOT trusted")


def test_last_adjustment_is_shown_and_odd_ones_dropped():
    for kind, said in (("step", "stepped"), ("slew", "slewed")):
        snap = {"clock": {"driver": "UnixClock", "trusted": True, "last_adjustment": kind}}
        assert statusview.render(snap).split("\n")[0] == \
            "mpnts status; clock trusted (UnixClock), %s by the last round" % said
    assert statusview.model({"clock": {"last_adjustment": "jump"}})["clock"][
        "last_adjustment"] is None


def test_odd_values_do_not_crash():
    snap = {"servers": [{"name": "x", "port": "notanumber", "offset": "x", "cookies": "abc",
                         "aead": 99, "last_ke": 0}]}
    m = statusview.model(snap)
    assert m["servers"][0]["port"] == 0 and m["servers"][0]["offset"] is None
    assert m["servers"][0]["cookies"] == 0 and m["servers"][0]["aead_name"] == "99"
    statusview.render(snap)
