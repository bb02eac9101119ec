# Clock drivers behind one interface (see rtc.base.Clock): read UTC as unix-epoch
# nanoseconds, step, slew where the hardware allows, and say whether the time is trusted.
# Hardware modules (`machine`, `pyb`) are imported lazily inside each adapter, so every
# driver can be tested on the host with a fake RTC or I2C object passed in.
