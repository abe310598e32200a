"""Properties of the capped exponential backoff with full jitter."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadsense.edge import Backoff

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
