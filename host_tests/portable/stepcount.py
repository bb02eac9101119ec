# Counting a *_steps computation's slices, apart from support.py: every test module loads
# support, and in the 100 KB .mpy-bundle heap a few hundred bytes more there made the RSA
# chain case of test_trust run out of memory.


def yields(steps):
    """How often a generator (a *_steps computation) yields before it returns."""
    n = 0
    while True:
        try:
            next(steps)
        except StopIteration:
            return n
        n += 1
