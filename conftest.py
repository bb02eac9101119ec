# pytest setup shared by both test tiers: the repo root (host_tests.*), firmware/ and
# the portable helpers on the path (as on the board), and fresh host-generated vectors
# before any test reads them.
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
for p in ("", "firmware", "host_tests/portable"):
    path = os.path.join(ROOT, p)
    if path not in sys.path:
        sys.path.insert(0, path)


def pytest_sessionstart(session):
    os.chdir(ROOT)
    subprocess.run([sys.executable, "-m", "host_tests.vectorgen"], check=True,
                   stdout=subprocess.DEVNULL)
