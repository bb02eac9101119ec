# nts.slices: a sliced computation gives the same result driven at once or on the loop,
# other tasks run between its slices, and an error inside it reaches the caller.
import asyncio

from nts import slices
from nts.errors import SignatureError
from portability import run_loop
from support import raises


def _counting(n, log):
    total = 0
    for i in range(n):
        total += i
        log.append("slice")
        yield
    return total


def _inner():
    yield
    return 5


def _outer():
    a = yield from _inner()
    yield
    b = yield from _inner()
    return a + b


def _failing():
    yield
    raise SignatureError("bad")


def test_run_drives_to_the_result():
    log = []
    assert slices.run(_counting(4, log)) == 6 and len(log) == 4
    assert slices.run(_outer()) == 10


def test_errors_reach_the_caller():
    raises(SignatureError, slices.run, _failing())


def test_run_async_lets_other_tasks_run_between_slices():
    log = []

    async def other():
        for _ in range(3):
            log.append("other")
            await asyncio.sleep(0)

    async def main():
        t = asyncio.create_task(other())
        result = await slices.run_async(_counting(3, log))
        await t
        return result

    assert run_loop(main()) == 3
    # Interleaved: never two slices without the other task in between.
    assert "slice,slice" not in ",".join(log), log
    assert log.count("other") == 3 and log.count("slice") == 3
