# Test runner that runs inside MicroPython (no unittest there): imports one portable
# test module, calls each test_* function, prints one result line per test and a summary
# line `RESULT passed failed skipped peak_heap`. Run by host_tests/run_micropython.py.
import sys
import gc

sys.path.insert(0, "firmware")
sys.path.insert(0, "host_tests/portable")


def main(modname, only=None):
    import micropython
    from support import SkipTest
    mod = __import__(modname)
    names = sorted(n for n in dir(mod) if n.startswith("test_"))
    passed = failed = skipped = 0
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
    print("RESULT", passed, failed, skipped, micropython.mem_peak())


main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
