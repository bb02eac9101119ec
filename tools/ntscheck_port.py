# What tools/ntscheck.py needs from its interpreter, decided once, here: CPython, or the
# MicroPython unix port (`micropython tools/ntscheck.py ...`).
#
# Under MicroPython the checker does what the port can: DNS (getaddrinfo), the TCP
# connect time, NTS-KE with mpnts's own TLS 1.3 client and trust rules, the certificate
# chain, NTS and plain NTP queries, the verdicts and the OCPP payloads. It skips the TLS
# probe (the port has no `ssl` that reports the version and ALPN a server offers on its
# own: the NTS-KE step, which speaks TLS 1.3 with ntske/1 only, then shows both when it
# succeeds). micropython-lib's argparse lacks what the checker's options use (append,
# choices, groups), so the port gets the small parser below, driven by the same
# add_argument calls.
import sys

MICROPYTHON = sys.implementation.name == "micropython"
TLS_SKIPPED = ("TLS probe skipped under MicroPython (no ssl version/ALPN report in the "
               "port); the NTS-KE check speaks TLS 1.3 with ALPN ntske/1 only")

if MICROPYTHON:
    import time

    def start():
        return time.ticks_us()

    def elapsed_s(t0):
        return time.ticks_diff(time.ticks_us(), t0) / 1e6

    def monotonic():
        # ticks_ms wraps after 2**30 ms (12 days): far beyond one check.
        return time.ticks_ms() / 1000

    async def blocking(fn, *args):
        return fn(*args)            # no threads for asyncio here: the check is serial
else:
    import asyncio
    import time

    start = time.perf_counter

    def elapsed_s(t0):
        return time.perf_counter() - t0

    monotonic = time.monotonic

    async def blocking(fn, *args):
        return await asyncio.to_thread(fn, *args)


class Namespace:
    pass


class PortParser:
    """The subset of argparse.ArgumentParser that ntscheck's options use: flags with
    type, default, choices, required, dest, metavar, help, action "append" /
    "store_true"; add_argument_group() is the parser itself. Errors exit with
    `usage_exit`'s status."""

    def __init__(self, prog, usage_exit):
        self.prog = prog
        self.usage_exit = usage_exit
        self.opts = []

    def add_argument_group(self, title=None):
        return self

    def add_argument(self, flag, **kw):
        kw["dest"] = kw.get("dest") or flag.lstrip("-").replace("-", "_")
        kw["flag"] = flag
        self.opts.append(kw)

    def print_usage(self, out=None):
        (out or sys.stdout).write("usage: %s %s\n" % (self.prog, " ".join(
            "[%s%s]" % (o["flag"], "" if o.get("action") == "store_true"
                        else " " + (o.get("metavar") or o["dest"].upper())) for o in self.opts)))

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(self.usage_exit)

    def parse_args(self, argv):
        a = Namespace()
        for o in self.opts:
            d = o.get("default")
            setattr(a, o["dest"], list(d) if isinstance(d, list) else d)
        by_flag = dict((o["flag"], o) for o in self.opts)
        seen = []
        args = list(argv)
        while args:
            flag = args.pop(0)
            if flag in ("-h", "--help"):
                self.print_usage()
                for o in self.opts:
                    print("  %-22s %s" % (o["flag"], o.get("help", "")))
                sys.exit(0)
            o = by_flag.get(flag)
            if o is None:
                self.error("unrecognized argument: %s" % flag)
            seen.append(o["dest"])
            if o.get("action") == "store_true":
                setattr(a, o["dest"], True)
                continue
            if not args:
                self.error("argument %s: expected one argument" % flag)
            text = args.pop(0)
            try:
                v = o.get("type", str)(text)
            except ValueError:
                self.error("argument %s: invalid value: %r" % (flag, text))
            if "choices" in o and v not in o["choices"]:
                self.error("argument %s: invalid choice: %r" % (flag, v))
            if o.get("action") == "append":
                if getattr(a, o["dest"]) is None:
                    setattr(a, o["dest"], [])
                getattr(a, o["dest"]).append(v)
            else:
                setattr(a, o["dest"], v)
        for o in self.opts:
            if o.get("required") and o["dest"] not in seen:
                self.error("the following arguments are required: %s" % o["flag"])
        return a
