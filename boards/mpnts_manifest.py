# Freeze manifest fragment shared by every board: the mpnts package at opt=3 (asserts
# stripped, no line numbers) plus the clock-driver base. A board manifest includes this
# and adds its own RTC driver and settings module. Paths are relative to this file
# (MicroPython's manifest tool runs a manifest in its own folder).
# firmware/micropython.py is the CPython stand-in and is never frozen.
#
# Option `ocpp` (default True): the OCPP layer, nts/ocpp (mpnts_ocpp_manifest.py). A
# charger whose own OCPP stack does not call mpnts's handlers, or that has no OCPP,
# leaves it out: include("../mpnts_manifest.py", ocpp=False). Nothing in the core
# imports nts.ocpp (host_tests/cpython/test_boards.py runs the core without it).
metadata(description="mpnts: NTS (RFC 8915) client for EV chargers", version="0.1.0")
options.defaults(ocpp=True)

import os  # noqa: E402  (a manifest is Python run by the build)


def _core_files(top):
    """Every .py of package nts except the optional parts (nts/ocpp), sorted."""
    out = []
    for d, dirs, files in os.walk(top):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__"
                         and not (d == top and x == "ocpp"))
        out += [os.path.relpath(os.path.join(d, f), top).replace(os.sep, "/")
                for f in sorted(files) if f.endswith(".py")]
    return out


package("nts", files=_core_files("../firmware/nts"), base_path="../firmware", opt=3)
package("rtc", files=("__init__.py", "base.py", "civil.py"), base_path="../firmware", opt=3)
if options.ocpp:
    include("mpnts_ocpp_manifest.py")
