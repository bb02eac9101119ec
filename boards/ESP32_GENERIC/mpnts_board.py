# Board settings for ESP32_GENERIC, frozen as module `mpnts_board` and read by mpnts at
# start-up. machine.RTC keeps time across soft resets and deep sleep, not power loss.
RTC_DRIVER = "esp32"
# Viper kernels are proven on the 64-bit unix port only; switch on after the board
# passes `import nts.selftest; nts.selftest.run()` with them enabled.
VIPER = False
# Where cookies, keys and the last good time persist (LittleFS on the vfs).
STATE_PATH = "/nts_state.bin"
# Root-CA groups: one folder per group, PEM or DER files inside (RootCAs setting).
CA_DIR = "/certs"
# The configuration file (nts.configfile) and the status record (nts.service).
CONFIG_PATH = "/nts_config.json"
STATUS_PATH = "/nts_status.json"
