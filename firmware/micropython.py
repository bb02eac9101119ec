# CPython stand-in for MicroPython's built-in `micropython` module, so that firmware
# modules run unchanged on the host. On a board the built-in module always wins over a
# file of the same name, and no board manifest freezes this file.


def const(x):
    return x


def viper(f):
    # Viper kernels are only imported on MicroPython (see nts.platform); reaching this
    # on CPython is a bug in the import logic, so fail loudly instead of running them.
    raise ImportError("viper kernels run only on MicroPython")
