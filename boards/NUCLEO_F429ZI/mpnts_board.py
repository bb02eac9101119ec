# Board settings for NUCLEO_F429ZI, frozen as module `mpnts_board`. The STM32 RTC runs
# from VBAT through resets; its sub-seconds cannot be written (rtc.stm32 sets on a second
# boundary). The stock build returns the raw sub-second prescaler (PREDIV_S = 255).
RTC_DRIVER = "stm32"
RTC_SUBSEC_PREDIV = 255
VIPER = False
STATE_PATH = "/flash/nts_state.bin"
CA_DIR = "/flash/certs"
# The configuration file (nts.configfile) and the status record (nts.service).
CONFIG_PATH = "/flash/nts_config.json"
STATUS_PATH = "/flash/nts_status.json"
