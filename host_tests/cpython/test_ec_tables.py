# The committed base-point tables are exactly what tools/gen_ec_tables.py produces.
import os
import subprocess
import sys


def test_ec_tables_are_current():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = subprocess.run([sys.executable, "tools/gen_ec_tables.py", "--check"], cwd=root,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
