"""The pseudo-terminal board: the MicroPython unix port behaving, on its serial line, as
an ESP32 or STM32 does for mpremote and tools/deploy.py. Run under socat:

    socat PTY,link=PORT,raw,echo=0 \\
          EXEC:"python ptyboard.py BOARD_DIR LIFETIME",pty,stderr,setsid,ctty,rawer,isig=1

- Power-on (this script's start) and every soft reset run main.py from BOARD_DIR (the
  board's file system), then the REPL (`micropython -i`): a Ctrl-C interrupts main.py,
  as a board's UART interrupt character does (isig=1 turns it into SIGINT).
- The unix port ends at Ctrl-D in its friendly REPL; this script starts it again, as a
  board's soft reset does. (A Ctrl-D in the raw REPL ends it too: on a board that would
  be a soft reset without main.py, which tools/deploy.py avoids with `mpremote resume`.)
- The board's RTC (rtc.txt, read by the emulated machine.RTC in the test's board
  settings) restarts at 2000-01-01 at power-on and keeps running across soft resets, as
  an ESP32's RTC does.
- Everything stops by itself after LIFETIME seconds.
"""
import os
import signal
import subprocess
import sys
import time

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
Y2000_NS = 946684800 * 1000000000

BOOT = """\
try:
    open("main.py").close()
except OSError:
    print("no main.py")
else:
    exec(open("main.py").read())
"""


def main():
    board, lifetime = sys.argv[1], float(sys.argv[2])
    deadline = time.monotonic() + lifetime
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # for the micropython child only
    with open(os.path.join(board, "rtc.txt"), "w") as f:
        f.write("%d %d\n" % (time.time_ns(), Y2000_NS))
    with open(os.path.join(board, "_boot.py"), "w") as f:
        f.write(BOOT)
    # A board has no environment: its settings module decides (NTS_VIPER would override).
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("NTS_"))
    env["MICROPYPATH"] = ":.frozen:lib"
    while time.monotonic() < deadline:
        try:
            subprocess.run([MICROPYTHON, "-i", "_boot.py"], cwd=board, env=env,
                           timeout=max(1, deadline - time.monotonic()),
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        except subprocess.TimeoutExpired:
            break
        sys.stdout.write("MPY: soft reboot\r\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
