# STM32F429 with Ethernet: make -C ports/stm32 BOARD=NUCLEO_F429ZI FROZEN_MANIFEST=<this file>
include("$(PORT_DIR)/boards/manifest.py")
include("../mpnts_manifest.py")
package("rtc", files=("stm32.py",), base_path="../../firmware", opt=3)
module("mpnts_board.py", opt=3)
