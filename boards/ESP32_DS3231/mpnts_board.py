# Board settings for an ESP32 with an external DS3231 (I2C bus 0, SCL 22 / SDA 21). The
# DS3231's oscillator-stop flag decides whether its time is trusted after power-up.
RTC_DRIVER = "ds3231"
I2C_BUS = 0
I2C_SCL = 22
I2C_SDA = 21
VIPER = False
STATE_PATH = "/nts_state.bin"
CA_DIR = "/certs"
# The configuration file (nts.configfile) and the status record (nts.service).
CONFIG_PATH = "/nts_config.json"
STATUS_PATH = "/nts_status.json"
