# Freeze manifest fragment shared by every board: the mpnts package at opt=3 (asserts
# stripped, no line numbers) plus the clock-driver base. A board manifest includes this
# and adds its own RTC driver and settings module. Paths are relative to this file.
# firmware/micropython.py is the CPython stand-in and is never frozen.
metadata(description="mpnts: NTS (RFC 8915) client for EV chargers", version="0.1.0")

package("nts", base_path="../firmware", opt=3)
package("rtc", files=("__init__.py", "base.py", "civil.py"), base_path="../firmware", opt=3)
