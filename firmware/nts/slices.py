# CPU work in slices (issue 8): a charger's OCPP connection, metering and charging
# control share the asyncio loop with mpnts, so no handshake computation may hold it for
# long. Each long computation (X25519, ECDSA and RSA verification, chain validation, the
# deferred record-tag check) is a generator, named *_steps, that yields between slices of
# about 20 ms of board time and returns its result; a caller picks the driver:
#
#   value = slices.run(x25519.shared_steps(k, u))              # blocking caller
#   value = await slices.run_async(x25519.shared_steps(k, u))  # on the loop
#
# Slices are sized per operation from instruction counts of the unix port scaled to an
# STM32F405 (tools/benches/boardtime.py says how); `yield from` composes them.
# A *_steps generator that nobody drives computes nothing: never call one bare.


def run(steps):
    """Drive a computation to its end without yielding to anyone: its result."""
    while True:
        try:
            next(steps)
        except StopIteration as e:
            return e.value


async def run_async(steps):
    """Drive a computation on the asyncio loop: other tasks run between its slices."""
    import asyncio  # here: the crypto modules that import this one need no event loop
    while True:
        try:
            next(steps)
        except StopIteration as e:
            return e.value
        await asyncio.sleep(0)
