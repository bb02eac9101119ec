# MicroPython unix port with mpnts frozen:
# make -C ports/unix FROZEN_MANIFEST=<this file>
include("$(PORT_DIR)/variants/manifest.py")
include("../mpnts_manifest.py")
package("rtc", files=("unix.py",), base_path="../../firmware", opt=3)
module("mpnts_board.py", opt=3)
