# NTP eras and epochs (RFC 5905 section 6, figure 4), in the one module that knows them.
from nts import timescale as tsc
from support import raises

NS = tsc.NS_PER_S


def test_epoch_offsets():
    # RFC 5905 figure 4: 1970-01-01 is NTP second 2,208,988,800; 1972-01-01 2,272,060,800.
    assert tsc.from_unix(0) == 2208988800 * NS
    assert tsc.from_unix(63072000) == 2272060800 * NS
    assert tsc.from_unix_ns(123456789) == tsc.from_unix(0, 123456789)
    # Boards count from 2000-01-01 (unix 946684800): NTP second 3,155,673,600.
    assert tsc.from_unix(946684800) == tsc.NTP_2000_OFFSET * NS


def test_era1_starts_2036_02_07():
    # RFC 5905 figure 4: era 1 begins 2036-02-07T06:28:16Z = unix 2085978496.
    assert tsc.ERA1_UNIX == 2085978496
    start = tsc.from_unix(tsc.ERA1_UNIX)
    assert start // (tsc.ERA_SECONDS * NS) == 1 and (start - 1) // (tsc.ERA_SECONDS * NS) == 0
    assert tsc.to_ntp64(start) == 0
    assert tsc.to_ntp64(start - NS) == 0xFFFFFFFF << 32


def test_unfold_around_pivot_across_the_boundary():
    before = tsc.from_unix(tsc.ERA1_UNIX - 10)
    after = tsc.from_unix(tsc.ERA1_UNIX + 10)
    for pivot in (before, after):
        assert tsc.from_ntp64(tsc.to_ntp64(after), pivot) == after
        assert tsc.from_ntp64(tsc.to_ntp64(before), pivot) == before
    # a 2025 timestamp seen with a 2090 pivot is 2025, not 2161 (68-year window)
    t2025 = tsc.from_unix(1764115200)
    assert tsc.from_ntp64(tsc.to_ntp64(t2025), tsc.from_unix(3786912000)) == t2025
    # and a far-future pivot (era 2) still finds its era
    t2200 = tsc.from_unix(7258118400)
    assert t2200 // (tsc.ERA_SECONDS * NS) == 2
    assert tsc.from_ntp64(tsc.to_ntp64(t2200), t2200 + 1000 * NS) == t2200


def test_fraction_rounding_roundtrip():
    base = tsc.from_unix(1764115200)
    for ns in (0, 1, 2, 499999999, 500000000, 999999999, 123456789):
        t = base + ns
        assert tsc.from_ntp64(tsc.to_ntp64(t), base) == t
    # 0.5 s is fraction 0x80000000
    assert tsc.to_ntp64(base + NS // 2) & 0xFFFFFFFF == 0x80000000
    assert tsc.to_ntp64(base + NS - 1) & 0xFFFFFFFF == 0xFFFFFFFC
    raises(ValueError, tsc.to_ntp64, -1)


def test_short_format():
    assert tsc.short_to_ns(0x00010000) == NS
    assert tsc.short_to_ns(0x00008000) == NS // 2
    assert tsc.short_to_ns(1) == 15259          # 2**-16 s, rounded
