# Hypothesis properties of the truechimer selection (nts.selection).
import math

from hypothesis import given, settings, strategies as hs

from nts import selection as sel
from nts.selection import Candidate

anything = hs.one_of(hs.floats(allow_nan=True, allow_infinity=True), hs.integers(-10 ** 20, 10 ** 20),
                     hs.none(), hs.text(max_size=2))


@settings(max_examples=600, deadline=None)
@given(hs.lists(hs.tuples(anything, anything), max_size=9), hs.integers(0, 6),
       hs.dictionaries(hs.sampled_from(("c0", "c1", "x", "")), hs.text(max_size=5), max_size=3))
def test_never_raises_and_result_is_consistent(pairs, min_servers, failed):
    cands = [Candidate("c%d" % i, o, d) for i, (o, d) in enumerate(pairs)]
    r = sel.select(cands, min_servers, failed)
    names = set(c.name for c in cands)
    assert set(r.truechimers) <= names
    assert set(r.truechimers) | set(r.rejected) == names | set(failed)
    if r.ok:
        assert math.isfinite(r.offset) and r.lo <= r.offset <= r.hi
        assert len(r.truechimers) >= min_servers
        usable = [c for c in cands if c.name in r.truechimers
                  or r.rejected[c.name].startswith("falseticker")]
        assert 2 * len(r.truechimers) > len(usable)
        for c in cands:
            if c.name in r.truechimers:
                assert c.offset - c.rootdist <= r.lo and r.hi <= c.offset + c.rootdist
                assert c.name not in r.rejected
    else:
        assert r.offset is None and r.truechimers == [] and r.reason


@hs.composite
def honest_and_liars(draw, disjoint_liars=False):
    true = draw(hs.floats(-100, 100))
    h = draw(hs.integers(1, 6))
    honest = []
    for i in range(h):
        rd = draw(hs.floats(0.001, 1.0))
        u = draw(hs.floats(-1, 1))
        honest.append(Candidate("h%d" % i, true + u * rd, rd))
    liars = []
    for i in range(draw(hs.integers(0, h - 1))):
        rd = draw(hs.floats(0.001, 1.0))
        if disjoint_liars:
            # Entirely above (or below) every honest interval.
            side = draw(hs.sampled_from((-1, 1)))
            gap = draw(hs.floats(0.001, 50))
            off = true + side * (2.0 + gap + rd)
        else:
            off = true + draw(hs.floats(-5, 5))
        liars.append(Candidate("l%d" % i, off, rd))
    order = draw(hs.permutations(honest + liars))
    min_servers = draw(hs.integers(1, h))
    return true, honest, liars, list(order), min_servers


def _inside(c, x):
    return c.offset - c.rootdist - 1e-9 <= x <= c.offset + c.rootdist + 1e-9


@settings(max_examples=600, deadline=None)
@given(honest_and_liars())
def test_honest_majority_wins(case):
    true, honest, liars, cands, min_servers = case
    r = sel.select(cands, min_servers)
    assert r.ok
    # The result lies in at least one honest interval, hence within their hull.
    assert any(_inside(c, r.offset) for c in honest)
    assert min(c.offset - c.rootdist for c in honest) - 1e-9 <= r.offset
    assert r.offset <= max(c.offset + c.rootdist for c in honest) + 1e-9


@settings(max_examples=400, deadline=None)
@given(honest_and_liars(disjoint_liars=True))
def test_separated_liars_are_all_falsetickers(case):
    true, honest, liars, cands, min_servers = case
    r = sel.select(cands, min_servers)
    assert r.ok
    assert sorted(r.truechimers) == sorted(c.name for c in honest)
    for c in liars:
        assert r.rejected[c.name].startswith("falseticker")
    assert all(_inside(c, r.offset) for c in honest)


@settings(max_examples=300, deadline=None)
@given(hs.lists(hs.tuples(hs.floats(-1, 1), hs.floats(0.0, 0.5), hs.floats(0, 100)), max_size=20),
       hs.integers(1, 8))
def test_clock_filter_picks_minimum_delay(rows, size):
    samples = [sel.Sample(o, d, time=t) for o, d, t in rows]
    r = sel.clock_filter(samples, size)
    if not samples:
        assert r is None
        return
    best, jitter = r
    window = samples[-size:]
    assert best in window and best.delay == min(s.delay for s in window)
    assert jitter >= 0
