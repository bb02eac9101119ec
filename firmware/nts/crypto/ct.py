# Constant-time comparison for tags and MACs: the time taken depends only on the
# lengths, never on where the first differing byte is.


def equal(a, b):
    if len(a) != len(b):
        return False
    r = 0
    for x, y in zip(a, b):
        r |= x ^ y
    return r == 0
