# Constant-time comparison for tags and MACs: the time taken depends only on the
# lengths, never on where the first differing byte is.


def equal(a, b):
    n = len(a)
    if n != len(b):
        return False
    r = 0
    for i in range(n):  # indexing, not zip(): zip allocates a tuple per byte on MicroPython
        r |= a[i] ^ b[i]
    return r == 0
