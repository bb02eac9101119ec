# Pure source selection (no I/O, time passed in), in the spirit of RFC 5905 sections 10
# and 11.2.1, reduced to what a charger needs:
#
#  1. Clock filter, per server: of the last FILTER_SIZE samples take the one with the
#     smallest round-trip delay (the least disturbed by queueing); jitter is the RMS of
#     the other samples' offsets from it.
#  2. Root distance: the half-width of the interval that certainly holds the true offset,
#         rootdist = max(delay + root_delay, MINDISP) / 2 + root_disp + dispersion
#                    + PHI * age + jitter
#     (RFC 5905 A.5.5.2, with the sample's dispersion aged at PHI = 15 ppm).
#  3. Selection (Marzullo's algorithm, as RFC 5905 11.2.1 uses it): each candidate is the
#     correctness interval [offset - rootdist, offset + rootdist]. The truechimers are the
#     largest clique of candidates whose intervals share a common region; it must hold at
#     least `min_servers` candidates and a strict majority of those that answered. The
#     others are falsetickers. If several disjoint regions tie, the clique with the
#     smallest total root distance wins.
#  4. Combining: the truechimers' offsets weighted by 1/rootdist^2 (more precise sources
#     count more), clamped into the common region, so the result lies inside every
#     truechimer's interval.
#
# Samples are floats in seconds relative to the local clock (offsets are small numbers,
# fine even in single-precision floats); `time` is any monotonic seconds value. Path
# asymmetry (DelayAsymmetry) is corrected where offsets are computed: nts.ntp.offset_delay.
from nts.timescale import NS_PER_S

FILTER_SIZE = 8
PHI = 15e-6             # s/s: frequency tolerance (RFC 5905 PHI)
MINDISP = 0.005         # s: RFC 5905 MINDISP
# RFC 5905 MAXDIST is 1 s; slow cellular uplinks of chargers warrant a little more.
MAX_DISTANCE = 1.5


class Sample:
    """One measurement of a server: offset and round-trip delay from the four NTP
    timestamps, the server's root delay/dispersion, our dispersion (precision), and the
    local monotonic time it was taken."""

    def __init__(self, offset, delay, time=0.0, dispersion=0.0, root_delay=0.0,
                 root_disp=0.0, stratum=1):
        self.offset = offset
        self.delay = delay
        self.time = time
        self.dispersion = dispersion
        self.root_delay = root_delay
        self.root_disp = root_disp
        self.stratum = stratum

    def __repr__(self):
        return "<Sample offset=%.6f delay=%.6f>" % (self.offset, self.delay)


def sample_from(s, time, extra_dispersion=0.0):
    """A Sample from an nts.association.Sample (ns ints; precision as log2 seconds),
    taken at local monotonic `time` (s). Its dispersion starts at the server's precision
    (RFC 5905 8: a sample is no better than the clock that read it); a precision outside
    -32..7 (2^-32 s .. 64 s: nonsense from a server) counts as 0. extra_dispersion (s)
    is added: the configured DelayVarAsymmetry."""
    p = s.precision
    disp = (2.0 ** p if -32 < p < 8 else 0.0) + extra_dispersion
    return Sample(s.offset / NS_PER_S, s.delay / NS_PER_S, time, disp,
                  s.root_delay / NS_PER_S, s.root_disp / NS_PER_S, s.stratum)


def clock_filter(samples, size=FILTER_SIZE):
    """(best sample, jitter) over the last `size` samples (oldest first), or None.

    Ties in delay go to the newest sample. Samples with a negative delay (a clock
    stepped between the timestamps) are ignored.
    """
    best = None
    recent = samples[-size:]
    for s in recent:
        if s.delay >= 0 and (best is None or s.delay <= best.delay):
            best = s
    if best is None:
        return None
    n = 0
    acc = 0.0
    for s in recent:
        if s is not best and s.delay >= 0:
            d = s.offset - best.offset
            acc += d * d
            n += 1
    jitter = (acc / n) ** 0.5 if n else 0.0
    return best, jitter


def root_distance(sample, jitter, now):
    age = now - sample.time
    if age < 0:
        age = 0.0
    return (max(sample.delay + sample.root_delay, MINDISP) / 2 + sample.root_disp
            + sample.dispersion + PHI * age + jitter)


class Candidate:
    """A server's filtered sample as an interval: offset +- rootdist (seconds)."""

    def __init__(self, name, offset, rootdist):
        self.name = name
        self.offset = offset
        self.rootdist = rootdist

    def __repr__(self):
        return "<Candidate %s %.6f+-%.6f>" % (self.name, self.offset, self.rootdist)


def candidate(name, samples, now, size=FILTER_SIZE):
    """Clock filter + root distance for one server, or None when it has no usable sample."""
    r = clock_filter(samples, size)
    if r is None:
        return None
    return Candidate(name, r[0].offset, root_distance(r[0], r[1], now))


class Selection:
    """Result of select(): ok, offset (s), the common interval (lo, hi), truechimers
    (names, best first), rejected ({name: reason}) and, when not ok, reason."""

    def __init__(self, ok, offset, lo, hi, truechimers, rejected, reason=""):
        self.ok = ok
        self.offset = offset
        self.lo = lo
        self.hi = hi
        self.truechimers = truechimers
        self.rejected = rejected
        self.reason = reason

    def __repr__(self):
        if self.ok:
            return "<Selection offset=%.6f trusted=%s>" % (self.offset, ",".join(self.truechimers))
        return "<Selection failed: %s>" % self.reason


def _number(x):
    # Finite real: rejects NaN (x != x) and infinities (inf - inf is NaN).
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and x - x == 0


def _cliques(cands):
    """Marzullo sweep: (max count, [(lo, hi, members), ...]) for every maximal region."""
    edges = []
    for i, c in enumerate(cands):
        edges.append((c.offset - c.rootdist, 0, i))   # 0 sorts lower edges first: touching
        edges.append((c.offset + c.rootdist, 1, i))   # intervals count as overlapping
    edges.sort()
    best = 0
    regions = []
    inside = []
    for k, (x, kind, i) in enumerate(edges):
        if kind == 0:
            inside.append(i)
            if len(inside) >= best:
                # The region runs to the next edge. If that is another lower edge the
                # count grows there and this region is dropped (regions = [] below), so
                # surviving regions end at their members' smallest upper edge: each is
                # exactly the intersection of its members' intervals.
                hi = edges[k + 1][0]
                if len(inside) > best:
                    best = len(inside)
                    regions = []
                regions.append((x, hi, list(inside)))
        else:
            inside.remove(i)
    return best, regions


def select(cands, min_servers, failed=None, max_distance=MAX_DISTANCE):
    """Choose the truechimers among candidates (list of Candidate) and combine them.

    `failed` maps servers that gave no sample to the reason (timeout, NAK, ...); they
    are reported in `rejected` but do not count towards the majority. Never raises on
    odd input: unusable candidates are rejected with a reason.
    """
    rejected = {}
    if failed:
        for name in failed:
            rejected[name] = str(failed[name])
    for c in cands:
        # A server that answered after all is judged by its answer, not an old failure.
        if c.name in rejected:
            del rejected[c.name]
    usable = []
    for c in cands:
        if not (_number(c.offset) and _number(c.rootdist)) or c.rootdist < 0:
            rejected[c.name] = "invalid sample"
        elif c.rootdist > max_distance:
            rejected[c.name] = "root distance %.3f s exceeds %.3f s" % (c.rootdist, max_distance)
        else:
            usable.append(c)
    if len(usable) < min_servers:
        return Selection(False, None, None, None, [], _all_rejected(rejected, usable, "not enough"),
                         "%d usable of %d needed" % (len(usable), min_servers))
    best, regions = _cliques(usable)
    if best < min_servers or 2 * best <= len(usable):
        reason = ("no %d agree" % min_servers if best < min_servers
                  else "no majority: largest agreeing set %d of %d" % (best, len(usable)))
        return Selection(False, None, None, None, [], _all_rejected(rejected, usable, "no agreement"),
                         reason)
    chosen = None
    score = 0.0
    for r in regions:
        s = 0.0
        for i in r[2]:
            s += usable[i].rootdist
        if chosen is None or s < score:
            chosen, score = r, s
    lo, hi, members = chosen
    num = den = 0.0
    for i in members:
        c = usable[i]
        w = 1.0 / (c.rootdist * c.rootdist if c.rootdist > 1e-9 else 1e-18)
        num += w * c.offset
        den += w
    offset = num / den
    if offset < lo:
        offset = lo
    elif offset > hi:
        offset = hi
    true = [usable[i] for i in members]
    true.sort(key=lambda c: (c.rootdist, c.name))   # MicroPython sort is not stable
    for i, c in enumerate(usable):
        if i not in members:
            rejected[c.name] = "falseticker: [%.6f, %.6f] outside agreed [%.6f, %.6f]" % (
                c.offset - c.rootdist, c.offset + c.rootdist, lo, hi)
    return Selection(True, offset, lo, hi, [c.name for c in true], rejected)


def _all_rejected(rejected, usable, why):
    for c in usable:
        rejected[c.name] = why
    return rejected


def priority_levels(servers):
    """Group (name, priority) pairs into levels: lists of names, lowest priority first.
    Equal priority means "query in parallel"."""
    levels = {}
    for name, prio in servers:
        levels.setdefault(prio, []).append(name)
    return [levels[p] for p in sorted(levels)]


def select_prioritized(levels, min_servers, max_distance=MAX_DISTANCE):
    """Prioritized selection over the levels queried so far, lowest priority first.

    `levels` is a list of (candidates, failed) per level. Candidates accumulate: a level
    that answered too few, or too few agreeing, is topped up by the next. Returns
    (Selection, levels_used); when not ok and more levels exist in the configuration,
    the caller should query the next level and call again (see need_next_level).
    """
    cands = []
    failed = {}
    result = None
    for n, (level_cands, level_failed) in enumerate(levels):
        cands.extend(level_cands)
        if level_failed:
            for k in level_failed:
                failed[k] = level_failed[k]
        result = select(cands, min_servers, failed, max_distance)
        if result.ok:
            return result, n + 1
    if result is None:
        result = Selection(False, None, None, None, [], {}, "no servers queried")
    return result, len(levels)


def need_next_level(result, levels_used, levels_total):
    """Whether to query the next priority level: too few answered or agreed so far."""
    return not result.ok and levels_used < levels_total
