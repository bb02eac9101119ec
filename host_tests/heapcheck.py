"""A whole `nts sync` in MicroPython with only N bytes of heap free for its data.

On the unix port bytecode lives in the heap; on a board whose firmware freezes mpnts it
stays in flash. To measure what a board needs, import every module the sync uses first,
then fill the free heap with 1 KB ballast down to `free` bytes, then sync. The smallest
`free` that works is the sync's live data peak, fragmentation included.
"""
import os
import shutil
import subprocess
import sys

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")

PRELOAD_SCRIPT = r"""
import sys, gc
sys.path.insert(0, "")
gc.collect()
a = gc.mem_alloc()
for m in %(mods)r:
    __import__(m)
gc.collect()
code = gc.mem_alloc() - a
ballast = []
while %(free)d and gc.mem_free() > %(free)d + 1024:
    ballast.append(bytearray(1024))
gc.collect()
import nts.cli_sync
rc = nts.cli_sync.main(%(args)r)
print("MODS", " ".join(sorted(sys.modules)))
print("CODE", code, rc)
"""


class PreloadedSync:
    """Runs `nts sync ARGS` in `cwd` (a firmware tree: sources or .mpy) with plain twins."""

    def __init__(self, args, cwd, tmp, state=None):
        self.args = list(args) + (["--state", state] if state else [])
        self.cwd = cwd
        self.script = os.path.join(tmp, "preload.py")
        self.state = state
        self.mods = []

    def run(self, free):
        """(modules the sync imported, heap bytes they take) or (.., None) on failure."""
        if self.state and os.path.exists(self.state + ".warm"):
            # Every run starts from the same warm state (a run that fails mid-way has
            # consumed its sessions; a board never reuses cookies, a bench may).
            shutil.copy(self.state + ".warm", self.state)
        with open(self.script, "w") as f:
            f.write(PRELOAD_SCRIPT % {"mods": self.mods, "args": self.args, "free": free})
        p = subprocess.run([MICROPYTHON, self.script], cwd=self.cwd, capture_output=True,
                           text=True, timeout=120, env=dict(os.environ, NTS_VIPER="0"))
        out = {}
        for line in p.stdout.splitlines():
            word, _, rest = line.partition(" ")
            out[word] = rest
        r = out.get("CODE", "").split()
        return out.get("MODS", "").split(), (int(r[0]) if len(r) == 2 and r[1] == "0" else None)

    def prepare(self):
        """First run without preloading: learn which modules a sync imports."""
        self.mods, code = self.run(0)
        if self.state and code is not None:
            shutil.copy(self.state, self.state + ".warm")
        return code is not None
