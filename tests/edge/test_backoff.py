"""Properties of the capped exponential backoff with full jitter."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadsense.edge.transport import Backoff
from roadsense.edge.transport.backoff import RateLimit, TokenBucket

bases = st.floats(min_value=0.0, max_value=100.0)
caps = st.floats(min_value=0.0, max_value=10_000.0)
factors = st.floats(min_value=1.0, max_value=10.0)
attempts = st.integers(min_value=-5, max_value=5000)
seeds = st.integers(min_value=0, max_value=2**32)


@given(bases, caps, factors, attempts, seeds)
def test_delay_is_never_negative_nor_above_cap(
    base: float, cap: float, factor: float, attempt: int, seed: int
) -> None:
    delay = Backoff(base, cap, factor).delay(attempt, random.Random(seed))
    assert 0.0 <= delay <= cap
    assert delay <= Backoff(base, cap, factor).ceiling(attempt)


@given(bases, caps, factors, st.integers(min_value=0, max_value=2000), seeds)
def test_delay_grows_with_attempt_for_the_same_draw(
    base: float, cap: float, factor: float, attempt: int, seed: int
) -> None:
    b = Backoff(base, cap, factor)
    assert b.delay(attempt, random.Random(seed)) <= b.delay(attempt + 1, random.Random(seed))


def test_mean_delay_grows_until_the_cap() -> None:
    b = Backoff(base_s=1.0, cap_s=40.0, factor=2.0)
    rng = random.Random(7)
    means = [statistics.fmean(b.delay(n, rng) for _ in range(3000)) for n in range(8)]
    for n in range(5):  # ceilings 1, 2, 4, 8, 16, 32: mean doubles
        assert means[n + 1] > 1.7 * means[n]
    assert means[6] == pytest.approx(20.0, rel=0.06)  # capped: mean is cap/2
    assert means[7] == pytest.approx(20.0, rel=0.06)


def test_jitter_spreads_delays() -> None:
    b = Backoff()
    rng = random.Random(1)
    delays = {round(b.delay(5, rng), 6) for _ in range(100)}
    assert len(delays) > 90


def test_huge_attempts_do_not_overflow() -> None:
    assert Backoff(cap_s=300.0).ceiling(10**6) == 300.0


@pytest.mark.parametrize(
    ("base", "cap", "factor"), [(-1.0, 1.0, 2.0), (1.0, -1.0, 2.0), (1.0, 1.0, 0.5)]
)
def test_rejects_nonsense(base: float, cap: float, factor: float) -> None:
    with pytest.raises(ValueError):
        Backoff(base, cap, factor)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_s=4.0, burst=3), clock)
    for _ in range(3):
        assert bucket.wait_s() == 0.0
        bucket.take()
    assert bucket.wait_s() == pytest.approx(0.25)
    clock.now += 0.25
    assert bucket.wait_s() == 0.0
    bucket.take()
    clock.now += 3600.0  # hours idle: still only a burst saved up
    for _ in range(3):
        bucket.take()
    assert bucket.wait_s() == pytest.approx(0.25)


def test_token_bucket_pause_leaves_no_burst_behind() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_s=10.0, burst=20), clock)
    bucket.pause(2.0)
    assert bucket.wait_s() == pytest.approx(2.1)
    clock.now += 2.0
    assert bucket.wait_s() == pytest.approx(0.1)  # the wait earned no tokens
    clock.now += 0.1
    bucket.take()
    assert bucket.wait_s() == pytest.approx(0.1)


@given(
    st.floats(min_value=0.1, max_value=100.0),
    st.integers(min_value=1, max_value=50),
    st.lists(st.floats(min_value=0.0, max_value=2.0), min_size=1, max_size=200),
)
def test_waiting_for_the_bucket_never_exceeds_the_rate(
    per_s: float, burst: int, gaps: list[float]
) -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_s, burst), clock)
    start = clock.now
    for gap in gaps:  # a caller that waits as told, then takes
        clock.now += gap
        clock.now += bucket.wait_s()
        bucket.take()
    assert len(gaps) <= burst + (clock.now - start) * per_s + 1e-6


@pytest.mark.parametrize(("per_s", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_rate_limit_rejects_nonsense(per_s: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimit(per_s, burst)


def test_a_late_wake_after_a_pause_is_no_burst_either() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_s=10.0, burst=20), clock)
    bucket.pause(0.3)
    clock.now += 5.0  # the uploader woke long after the pause it was asked for
    bucket.take()
    assert bucket.wait_s() == pytest.approx(0.1)  # the steady pace from here on
