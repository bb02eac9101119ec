# Board settings: the module `mpnts_board` (boards/<BOARD>/mpnts_board.py, frozen or
# copied by tools/deploy.py) when the board has one, else defaults that suit the unix
# port and the host. Not `nts_board`: the freezing tool names frozen modules by their
# path with "/" turned into "_", so that would collide with this module, nts/board.py.
# Settings (all optional): RTC_DRIVER (+ its pins), STATE_PATH, CA_DIR, CLIENT_CERT_DIR,
# CONFIG_PATH, STATUS_PATH (nts.service), VIPER; make_clock(trusted) for a driver mpnts lacks.
try:
    import mpnts_board as _settings
except ImportError:
    _settings = None


def setting(name, default=None):
    return getattr(_settings, name, default)


def clock(trusted=False):
    """The board's clock driver, chosen by RTC_DRIVER (default: the host's unix clock),
    or made by the settings module's own make_clock(trusted) (another RTC chip)."""
    make = setting("make_clock")
    if make is not None:
        return make(trusted)
    driver = setting("RTC_DRIVER", "unix")
    if driver == "esp32":
        from rtc.esp32 import ESP32RTC
        return ESP32RTC(trusted=trusted)
    if driver == "stm32":
        from rtc.stm32 import STM32RTC
        return STM32RTC(trusted=trusted, subsec_prediv=setting("RTC_SUBSEC_PREDIV", 255))
    if driver == "ds3231":
        from machine import I2C, Pin
        from rtc.ds3231 import DS3231
        i2c = I2C(setting("I2C_BUS", 0), scl=Pin(setting("I2C_SCL")), sda=Pin(setting("I2C_SDA")))
        return DS3231(i2c)
    if driver == "unix":
        from rtc.unix import UnixClock
        return UnixClock(trusted=trusted)
    raise ValueError("unknown RTC_DRIVER %r" % driver)
