"""Write build/vectors/<name>.jsonl for every generator module in this package.

A generator module defines `cases()` yielding JSON-able dicts (bytes as hex), made with
the `cryptography` package from a fixed seed, so both interpreters check the same cases.
Run from the repository root: `python -m host_tests.vectorgen`.
"""
import importlib
import json
import os
import pkgutil
import sys

OUT = os.path.join("build", "vectors")


def main():
    os.makedirs(OUT, exist_ok=True)
    here = os.path.dirname(__file__)
    names = sys.argv[1:] or [m.name for m in pkgutil.iter_modules([here])
                             if not m.name.startswith("_")]
    for name in names:
        mod = importlib.import_module("host_tests.vectorgen." + name)
        path = os.path.join(OUT, name + ".jsonl")
        tmp = "%s.%d.tmp" % (path, os.getpid())  # concurrent runs must not share it
        n = 0
        with open(tmp, "w") as f:
            for case in mod.cases():
                f.write(json.dumps(case, separators=(",", ":")) + "\n")
                n += 1
        os.replace(tmp, path)
        print("vectors: %-20s %5d cases" % (name, n))


if __name__ == "__main__":
    main()
