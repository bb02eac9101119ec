"""Writes the mip package files (micropython-lib's package.json format) from the board
freeze manifests, so that `mpremote mip install` and a frozen build install the same
modules. Re-run after adding a module: `python tools/gen_packages.py`;
host_tests/cpython/test_mip_install.py fails when a committed file is stale.

    package.json              the core: what boards/mpnts_manifest.py freezes with
                              ocpp=False (package `nts` without nts/ocpp, the
                              clock-driver base of `rtc`)
    package-<PART>.json       an optional part with a manifest of its own,
                              boards/mpnts_<PART>_manifest.py (package-ocpp.json: the
                              OCPP layer nts/ocpp; install it after package.json)
    package-rtc-<NAME>.json   one optional part per clock driver firmware/rtc/<NAME>.py
                              (what a board manifest adds for its RTC)

URLs are relative to the package file (mip resolves them against its URL), so the same
files serve from a GitHub path (`github:OWNER/REPO`, `github:OWNER/REPO/package-rtc-esp32.json`)
or any HTTP server at the repository root. Files install as .py; the mip targets
compile nothing.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE_MANIFEST = os.path.join(ROOT, "boards", "mpnts_manifest.py")


class ManifestOptions:
    """MicroPython's manifest `options`: include() keywords over options.defaults()."""

    def __init__(self, **kw):
        self._kw = kw
        self._defaults = {}

    def defaults(self, **kw):
        self._defaults = kw

    def __getattr__(self, name):
        return self._kw.get(name, self._defaults.get(name))


def _manifest_files(path, **options):
    """(version, [(install path, repository path), ...]) that a manifest freezes.
    Understands what boards/mpnts_manifest.py uses: metadata(), options, include(),
    package(), module()."""
    path = os.path.abspath(path)
    here = os.path.dirname(path)
    meta = {}
    files = []

    def metadata(**kw):
        meta.update(kw)

    def package(name, files_=None, base_path=".", opt=None, files=None):
        names = files if files is not None else files_
        top = os.path.join(here, base_path, name)
        if names is None:
            names = []
            for d, dirs, fs in os.walk(top):
                dirs[:] = sorted(x for x in dirs if x != "__pycache__")
                for f in sorted(fs):
                    if f.endswith(".py"):
                        names.append(os.path.relpath(os.path.join(d, f), top))
        for n in names:
            _add(os.path.join(top, n), name + "/" + n.replace(os.sep, "/"))

    def module(name, base_path=".", opt=None):
        _add(os.path.join(here, base_path, name), name)

    def _add(src, dest):
        files.append((dest, os.path.relpath(os.path.normpath(src), ROOT).replace(os.sep, "/")))

    def include(p, **kw):
        meta_in, more = _manifest_files(os.path.join(here, p), **kw)
        files.extend(more)

    # Run in the manifest's folder, as MicroPython's manifest tool does (a manifest may
    # list its files with paths relative to it).
    cwd = os.getcwd()
    os.chdir(here)
    try:
        with open(path) as f:
            exec(compile(f.read(), path, "exec"),
                 {"metadata": metadata, "package": package, "module": module,
                  "include": include, "options": ManifestOptions(**options)})
    finally:
        os.chdir(cwd)
    return meta.get("version", "0.0.0"), files


def packages():
    """{file name: package dict} for the core and every optional clock driver."""
    # The core without its optional parts: each is a package of its own.
    version, core = _manifest_files(CORE_MANIFEST, ocpp=False)
    out = {"package.json": {"urls": [list(x) for x in core], "deps": [], "version": version}}
    in_core = set(src for _, src in core)
    # Optional parts with a manifest of their own (boards/mpnts_<part>_manifest.py, e.g.
    # the OCPP layer): package-<part>.json.
    for f in sorted(os.listdir(os.path.dirname(CORE_MANIFEST))):
        if f.startswith("mpnts_") and f.endswith("_manifest.py") and f != "mpnts_manifest.py":
            _, part = _manifest_files(os.path.join(os.path.dirname(CORE_MANIFEST), f))
            out["package-%s.json" % f[6:-12]] = {
                "urls": [list(x) for x in part], "deps": [], "version": version}
    rtc = os.path.join(ROOT, "firmware", "rtc")
    for f in sorted(os.listdir(rtc)):
        src = "firmware/rtc/" + f
        if f.endswith(".py") and src not in in_core:
            out["package-rtc-%s.json" % f[:-3]] = {
                "urls": [["rtc/" + f, src]], "deps": [], "version": version}
    return out


def render(pkg):
    """JSON with one [install path, URL] pair per line (diffs stay readable)."""
    urls = ",\n".join("    " + json.dumps(u) for u in pkg["urls"])
    return '{\n  "urls": [\n%s\n  ],\n  "deps": %s,\n  "version": %s\n}\n' % (
        urls, json.dumps(pkg["deps"]), json.dumps(pkg["version"]))


def main():
    for name, pkg in packages().items():
        with open(os.path.join(ROOT, name), "w") as f:
            f.write(render(pkg))
        print("%-28s %3d files" % (name, len(pkg["urls"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
