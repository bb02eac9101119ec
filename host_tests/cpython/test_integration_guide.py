"""docs/integration-guide.md's OCPP 1.6 key <-> 2.x variable table is the settings
table the OCPP handlers serve (nts.ocpp.settings.table()), as tools/gen_settings_doc.py
renders it: regenerate with that tool when this fails."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import gen_settings_doc  # noqa: E402


def test_settings_table_in_the_guide_matches_the_code():
    try:
        from nts.ocpp import settings
    except ImportError:
        pytest.skip("nts.ocpp (issue 10) not present yet")
    with open(gen_settings_doc.GUIDE) as f:
        text = f.read()
    assert gen_settings_doc.rewrite(text, settings.table()) == text, \
        "docs/integration-guide.md is stale: run python tools/gen_settings_doc.py"
    for row in settings.table():        # every setting is in it, by both names
        if row["key16"]:
            assert "`%s`" % row["key16"] in text
        if row["variable"]:
            assert ".%s |" % row["variable"] in text


def test_render_is_one_row_per_setting():
    rows = [{"component": "NTPClientGroupController", "variable": "MinServers",
             "key16": "ntp.<group>.minServers", "dataType": "integer", "unit": "",
             "minLimit": 1, "maxLimit": 255, "valuesList": "", "default": "1",
             "mutability": "ReadWrite", "persistent": True, "reboot": False}]
    out = gen_settings_doc.render(rows)
    assert ("| `ntp.<group>.minServers` | NTPClientGroupController[<group>].MinServers "
            "| integer |  | 1..255 | `1` | ReadWrite |") in out
    assert "1 settings; all persist; none needs a reboot." in out
    clock = dict(rows[0], component="ClockCtrlr", variable="DateTime", persistent=False)
    assert "2 settings; all persist except ClockCtrlr.DateTime; none needs a reboot." in \
        gen_settings_doc.render(rows + [clock])


def _guide():
    with open(gen_settings_doc.GUIDE) as f:
        return f.read()


def test_every_security_event_is_in_the_hook_table():
    try:
        from nts.ocpp.events import NOTIFIED
    except ImportError:
        pytest.skip("nts.ocpp (issue 10) not present yet")
    text = _guide()
    hook = text[text.index("## 5. The event hook"):text.index("## 6.")]
    for kind in NOTIFIED:
        assert "`%s`" % kind in hook, kind


def test_the_optional_ocpp_layer_and_its_cost_are_documented():
    # A merge once dropped these paragraphs: the facts a board integrator needs stay.
    text = _guide()
    for needle in ("package-ocpp.json", 'include("../mpnts_manifest.py", ocpp=False)',
                   "tools/benches/host_ocpp_heap.py", "mpy.handlers_bytes", "report_bytes",
                   "set_burst_bytes", "set_burst_persist_bytes"):
        assert needle in text, needle
