# Pure selection: clock filter (RFC 5905 10), root distance, interval intersection
# (RFC 5905 11.2.1 / Marzullo), priority fall-through.
from nts import selection as sel
from nts.selection import Candidate, Sample


def _near(a, b, eps=1e-9):
    return abs(a - b) <= eps


def test_clock_filter_takes_minimum_delay():
    samples = [Sample(0.010, 0.050, time=1), Sample(0.002, 0.020, time=2),
               Sample(0.030, 0.090, time=3), Sample(0.004, 0.020, time=4)]
    best, jitter = sel.clock_filter(samples)
    assert best is samples[3]                       # equal delay: the newest wins
    others = [0.010 - 0.004, 0.002 - 0.004, 0.030 - 0.004]
    want = (sum(d * d for d in others) / 3) ** 0.5
    assert _near(jitter, want)


def test_clock_filter_window_and_bad_samples():
    old_best = [Sample(9.0, 0.001, time=0)]
    recent = [Sample(0.1 * i, 0.05 + 0.01 * i, time=i) for i in range(1, 9)]
    best, _ = sel.clock_filter(old_best + recent)
    assert best is recent[0]                        # the 9th-newest sample is out of window
    assert sel.clock_filter([]) is None
    assert sel.clock_filter([Sample(0.0, -0.001)]) is None
    best, jitter = sel.clock_filter([Sample(0.0, -0.001), Sample(0.5, 0.01)])
    assert best.offset == 0.5 and jitter == 0.0


def test_root_distance():
    s = Sample(0.0, 0.040, time=10.0, dispersion=0.001, root_delay=0.010, root_disp=0.002)
    # (0.040 + 0.010) / 2 + 0.002 + 0.001 + 15e-6 * 100 + jitter 0.003
    assert _near(sel.root_distance(s, 0.003, 110.0), 0.025 + 0.003 + 0.0015 + 0.003)
    tiny = Sample(0.0, 0.0, time=0.0)
    assert _near(sel.root_distance(tiny, 0.0, 0.0), sel.MINDISP / 2)
    assert _near(sel.root_distance(tiny, 0.0, -5.0), sel.MINDISP / 2)   # no negative age
    c = sel.candidate("a", [s], 10.0)
    assert c.name == "a" and c.offset == 0.0 and _near(c.rootdist, 0.028)
    assert sel.candidate("a", [], 0.0) is None


class _AssocSample:
    # The shape of nts.association.Sample: ns ints, precision in log2 seconds.
    offset = 1500000
    delay = 20000000
    precision = -20
    root_delay = 4000000
    root_disp = 1000000
    stratum = 1


def test_sample_from_association_sample():
    s = sel.sample_from(_AssocSample(), 42.0)
    assert _near(s.offset, 0.0015) and _near(s.delay, 0.020) and s.time == 42.0
    assert _near(s.dispersion, 2.0 ** -20) and _near(s.root_delay, 0.004)
    assert _near(s.root_disp, 0.001) and s.stratum == 1
    # Peer.add_sample's conversion: DelayVarAsymmetry adds dispersion; a nonsense
    # precision (outside -32..7) counts as none.
    assert _near(sel.sample_from(_AssocSample(), 42.0, 0.5).dispersion, 0.5 + 2.0 ** -20)
    bad = _AssocSample()
    for p in (-32, 8, 100):
        bad.precision = p
        assert sel.sample_from(bad, 1.0, 0.25).dispersion == 0.25


def test_falseticker_outvoted():
    cs = [Candidate("a", 0.010, 0.020), Candidate("b", 0.015, 0.030),
          Candidate("c", 3600.0, 0.020), Candidate("d", 0.005, 0.050)]
    r = sel.select(cs, 2)
    assert r.ok and r.truechimers == ["a", "b", "d"]
    assert "falseticker" in r.rejected["c"] and len(r.rejected) == 1
    # Every truechimer's interval holds the result; the common region is reported.
    assert _near(r.lo, -0.010) and _near(r.hi, 0.030)
    for c in cs[:2] + cs[3:]:
        assert c.offset - c.rootdist <= r.offset <= c.offset + c.rootdist
    # Weighted towards the most precise sources.
    assert 0.005 < r.offset < 0.015


def test_result_clamped_into_common_region():
    cs = [Candidate("wide", 0.5, 0.6), Candidate("narrow", 0.0, 0.001)]
    r = sel.select(cs, 2)
    assert r.ok and _near(r.lo, -0.001) and _near(r.hi, 0.001)
    assert -0.001 <= r.offset <= 0.001


def test_min_servers_and_majority():
    two_disagree = [Candidate("a", 0.0, 0.01), Candidate("b", 1.0, 0.01)]
    r = sel.select(two_disagree, 1)
    assert not r.ok and "majority" in r.reason and r.offset is None
    r = sel.select([Candidate("a", 0.0, 0.01)], 2, failed={"b": "timeout"})
    assert not r.ok and r.rejected["b"] == "timeout" and "a" in r.rejected
    r = sel.select([Candidate("a", 0.0, 0.01)], 1, failed={"b": "timeout"})
    assert r.ok and r.truechimers == ["a"] and r.rejected == {"b": "timeout"}
    # Three of five agree: majority, and enough for min_servers 3 but not 4.
    cs = [Candidate("a", 0.0, 0.01), Candidate("b", 0.005, 0.01), Candidate("c", -0.004, 0.01),
          Candidate("x", 2.0, 0.01), Candidate("y", -2.0, 0.01)]
    assert sel.select(cs, 3).ok
    r = sel.select(cs, 4)
    assert not r.ok and "no 4 agree" in r.reason


def test_unusable_candidates_rejected_not_raised():
    cs = [Candidate("nan", float("nan"), 0.01), Candidate("inf", 0.0, float("inf")),
          Candidate("neg", 0.0, -1.0), Candidate("far", 0.0, 2.0), Candidate("str", "x", 0.1),
          Candidate("ok", 0.0, 0.01)]
    r = sel.select(cs, 1)
    assert r.ok and r.truechimers == ["ok"]
    assert r.rejected["nan"] == "invalid sample" and r.rejected["str"] == "invalid sample"
    assert "root distance" in r.rejected["far"]
    r = sel.select(cs, 1, max_distance=5.0)
    assert r.ok and sorted(r.truechimers) == ["far", "ok"]
    assert not sel.select([], 1).ok


def test_touching_intervals_agree():
    r = sel.select([Candidate("a", 0.0, 1.0), Candidate("b", 2.0, 1.0)], 2, max_distance=5)
    assert r.ok and r.lo == 1.0 and r.hi == 1.0 and r.offset == 1.0


def test_tie_goes_to_tighter_clique():
    # a spans both regions; b and c disagree; {a,c} is tighter than {a,b}.
    cs = [Candidate("a", 0.5, 0.6), Candidate("b", 0.0, 0.1), Candidate("c", 1.0, 0.01)]
    r = sel.select(cs, 2)
    assert r.ok and r.truechimers == ["c", "a"] and "falseticker" in r.rejected["b"]
    assert 0.99 <= r.offset <= 1.01


def test_priority_levels_fall_through():
    levels = sel.priority_levels([("p1", 0), ("b1", 1), ("p2", 0), ("b2", 5)])
    assert levels == [["p1", "p2"], ["b1"], ["b2"]]
    # Level 0: one answered, one timed out; min_servers 2 -> not enough, query level 1.
    lvl0 = ([Candidate("p1", 0.01, 0.02)], {"p2": "timeout"})
    r, used = sel.select_prioritized([lvl0], 2)
    assert not r.ok and used == 1 and sel.need_next_level(r, used, 3)
    lvl1 = ([Candidate("b1", 0.012, 0.02)], None)
    r, used = sel.select_prioritized([lvl0, lvl1], 2)
    assert r.ok and used == 2 and not sel.need_next_level(r, used, 3)
    assert sorted(r.truechimers) == ["b1", "p1"] and r.rejected == {"p2": "timeout"}
    # A level that is good on its own stops there.
    r, used = sel.select_prioritized([([Candidate("p1", 0.0, 0.01)], None), lvl1], 1)
    assert r.ok and used == 1 and r.truechimers == ["p1"]
    # Out of levels.
    r, used = sel.select_prioritized([lvl0], 2)
    assert not sel.need_next_level(r, used, 1)
    r, used = sel.select_prioritized([], 1)
    assert not r.ok and used == 0
