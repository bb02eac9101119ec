# Board settings for the MicroPython unix port (a Linux charger controller; also the
# pseudo-terminal test board): paths are relative to the folder micropython runs in
# (`cd /var/lib/mpnts && MICROPYPATH=:.frozen:lib micropython main.py`). The host clock
# is read with a software offset and never set (rtc.unix).
RTC_DRIVER = "unix"
STATE_PATH = "nts_state.bin"
CA_DIR = "certs"
CONFIG_PATH = "nts_config.json"
STATUS_PATH = "nts_status.json"
