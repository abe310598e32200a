"""GPS fixes: interpolation to a moment, the nearest fix, and the no-fix flag."""

from __future__ import annotations

import pytest

from roadsense.edge.decoding.fixes import Fix, FixBuffer


def buffer(*times: float) -> FixBuffer:
    fixes = FixBuffer(window_s=2.0)
    for t in times:
        fixes.add(Fix(t, 35.0 + t * 1e-4, 128.0 + t * 1e-4, 10.0 + t))
    return fixes


def test_interpolates_between_the_fixes_either_side() -> None:
    where = buffer(0.0, 1.0, 2.0).locate(1.25)
    assert where.flag == "interpolated"
    assert where.lat == pytest.approx(35.0 + 1.25e-4)
    assert where.lon == pytest.approx(128.0 + 1.25e-4)
    assert where.speed_mps == pytest.approx(11.25)


def test_a_fix_at_the_moment_is_taken_as_it_is() -> None:
    assert buffer(0.0, 1.0).locate(1.0).flag == "ok"


def test_nearest_fix_within_the_window_when_only_one_side_is_near() -> None:
    where = buffer(0.0, 10.0).locate(1.5)
    assert where.flag == "ok"
    assert where.lat == pytest.approx(35.0)
    assert buffer(10.0).locate(8.5).flag == "ok"  # only a later fix


@pytest.mark.parametrize("t", [-2.5, 4.01, 7.0, 100.0])
def test_no_fix_within_two_seconds(t: float) -> None:
    where = buffer(0.0, 2.0, 10.0).locate(t) if t != 7.0 else buffer(2.0, 10.0).locate(t)
    assert (where.flag, where.lat, where.lon) == ("no_fix", None, None)


def test_empty_and_out_of_order() -> None:
    fixes = FixBuffer()
    assert fixes.locate(0.0).flag == "no_fix"
    assert fixes.add(Fix(5.0, 1.0, 1.0))
    assert not fixes.add(Fix(4.0, 1.0, 1.0))  # time going backwards: not kept
    assert len(fixes) == 1


def test_old_fixes_are_dropped() -> None:
    fixes = FixBuffer(keep_s=10.0)
    for t in range(1000):
        fixes.add(Fix(float(t), 1.0, 1.0))
    assert len(fixes) < 100
    assert fixes.latest_t == 999.0
