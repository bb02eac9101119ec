# mpnts: Network Time Security (RFC 8915) client for MicroPython.
