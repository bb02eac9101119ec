# ESP32 with a battery-backed DS3231 on I2C for holdover across power loss:
# make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=<this file>
include("$(PORT_DIR)/boards/manifest.py")
include("../mpnts_manifest.py")
package("rtc", files=("ds3231.py",), base_path="../../firmware", opt=3)
module("mpnts_board.py", opt=3)
