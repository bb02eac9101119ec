# Test runner that runs inside MicroPython (no unittest there): imports one portable
# test module, calls each test_* function, prints one result line per test and a summary
# line `RESULT passed failed skipped retained_heap`. Run by host_tests/run_micropython.py.
# retained_heap is the most heap still in use after a gc.collect() at the end of any
# test (what the module's tests keep alive). This build's micropython.mem_peak() counts
# bytes ever allocated, not a high-water mark, so it is not reported; the peak is
# bounded instead by the small-heap run (-X heapsize=100000) passing.
import sys
import gc
import os

# The firmware as source, or (--mpy) precompiled like a board's bundle, so the heap is
# not spent on compiling firmware modules.
sys.path.insert(0, os.getenv("NTS_FIRMWARE_PATH") or "firmware")
sys.path.insert(0, "host_tests/portable")


def main(modname, only=None):
    from support import SkipTest
    mod = __import__(modname)
    names = sorted(n for n in dir(mod) if n.startswith("test_"))
    passed = failed = skipped = 0
    retained = 0
    for name in names:
        if only and name != only:
            continue
        gc.collect()
        try:
            getattr(mod, name)()
        except SkipTest as e:
            skipped += 1
            print("SKIP", name, e)
        except Exception as e:  # report and go on: one failure must not hide others
            failed += 1
            print("FAIL", name, type(e).__name__, e)
            sys.print_exception(e)
        else:
            passed += 1
            print("PASS", name)
        gc.collect()
        retained = max(retained, gc.mem_alloc())
    print("RESULT", passed, failed, skipped, retained)


main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
