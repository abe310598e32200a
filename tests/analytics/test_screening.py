"""Empirical Bayes screening and before/after: worked examples and invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadsense.analytics.before_after import TreatedSite, eb_before_after, significance_label
from roadsense.analytics.screening import Site, eb_expected, eb_weight, screen


def test_screening_worked_example() -> None:
    # worked by hand:
    # A: w = 1/(1 + 0.5*4) = 1/3,  expected = 4/3 + 2/3*10 = 8,          excess = +4
    # B: w = 1/(1 + 0.25*6) = 0.4, expected = 0.4*6 + 0.6*2 = 3.6,        excess = -2.4
    # C: w = 1/(1 + 1*1) = 0.5,    expected = 0.5*1 + 0.5*5 = 3,          excess = +2
    ranked = screen([Site("B", 2, 6, 0.25), Site("A", 10, 4, 0.5), Site("C", 5, 1, 1.0)])
    assert [s.site.site_id for s in ranked] == ["A", "C", "B"]
    assert [s.rank for s in ranked] == [1, 2, 3]
    a, c, b = ranked
    assert a.weight == pytest.approx(1 / 3)
    assert a.expected == pytest.approx(8.0)
    assert a.excess == pytest.approx(4.0)
    assert b.weight == pytest.approx(0.4)
    assert b.expected == pytest.approx(3.6)
    assert b.excess == pytest.approx(-2.4)
    assert c.expected == pytest.approx(3.0)


def test_before_after_worked_example() -> None:
    # worked by hand:
    # site 1: w = 1/(1+0.2*5) = 0.5, Eb = 7.5, r = 5.5/5 = 1.1, E = 8.25, var = 1.21*7.5*0.5
    # site 2: w = 1/(1+0.25*4) = 0.5, Eb = 5, r = 1, E = 5, var = 2.5
    # sum O = 7, sum E = 13.25, Var = 7.0375; OR' = 0.528302; 1 + Var/E^2 = 1.040085
    # OR = 0.507941; Var(OR) = 0.279103 * (1/7 + 0.040085) / 1.081777 = 0.047200
    result = eb_before_after(
        [
            TreatedSite("1", 10, 5, 4, 5.5, 0.2),
            TreatedSite("2", 6, 4, 3, 4, 0.25),
        ]
    )
    assert result.expected_after == pytest.approx(13.25)
    assert result.variance_expected_after == pytest.approx(7.0375)
    assert result.odds_ratio_naive == pytest.approx(0.528302, abs=1e-6)
    assert result.odds_ratio == pytest.approx(0.507941, abs=1e-6)
    assert result.standard_error == pytest.approx(0.217256, abs=1e-5)
    assert result.effectiveness_percent == pytest.approx(49.206, abs=1e-3)
    assert result.z == pytest.approx(2.2649, abs=1e-3)
    assert result.significance == "significant at about 95 %"


@pytest.mark.parametrize(("z", "label"), [(2.0, "95"), (-2.5, "95"), (1.8, "90"), (1.69, "not")])
def test_significance_thresholds(z: float, label: str) -> None:
    assert label in significance_label(z)


def test_before_after_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(ValueError, match="no sites"):
        eb_before_after([])
    with pytest.raises(ValueError, match="predicted_before"):
        eb_before_after([TreatedSite("x", 1, 0, 1, 1, 0.1)])
    with pytest.raises(ValueError, match="no observed"):
        eb_before_after([TreatedSite("x", 1, 1, 0, 1, 0.1)])


counts = st.floats(0, 1e4, allow_nan=False)
positive = st.floats(1e-3, 1e4, allow_nan=False)
dispersion = st.floats(0, 50, allow_nan=False)


@given(observed=counts, predicted=counts, k=dispersion)
def test_weight_in_unit_interval_and_expected_between(
    observed: float, predicted: float, k: float
) -> None:
    w = eb_weight(predicted, k)
    assert 0 < w <= 1
    expected = eb_expected(observed, predicted, k)
    lo, hi = sorted((observed, predicted))
    assert lo - 1e-9 * max(1, hi) <= expected <= hi + 1e-9 * max(1, hi)


@given(
    st.lists(
        st.tuples(counts, positive, st.floats(1, 1e3), positive, dispersion),
        min_size=1,
        max_size=20,
    )
)
def test_before_after_with_no_change_in_risk_is_unbiased_in_expectation(
    rows: list[tuple[float, float, float, float, float]],
) -> None:
    sites = [TreatedSite(str(i), ob, pb, oa, pa, k) for i, (ob, pb, oa, pa, k) in enumerate(rows)]
    result = eb_before_after(sites)
    assert result.odds_ratio <= result.odds_ratio_naive
    assert result.standard_error > 0
    assert result.effectiveness_percent == pytest.approx(100 * (1 - result.odds_ratio))
