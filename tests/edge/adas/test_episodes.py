"""Episodes from per-frame warning states."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from roadsense.edge.adas.episodes import EpisodeTracker, Observation
from roadsense.schema import EventType

FCW, HMW = EventType.FCW, EventType.HMW


def test_one_episode_with_onset_measurements_peak_and_duration() -> None:
    tracker = EpisodeTracker()
    began, ended = tracker.update(0.0, {FCW: Observation(1, {"ttc_s": 2.5}, "700#01")})
    assert [e.type for e in began] == [FCW]
    assert not ended
    tracker.update(0.1, {FCW: Observation(2, {"ttc_s": 1.9}, "700#02")})
    tracker.update(0.2, {FCW: Observation(1, {"ttc_s": 2.2})})
    began, ended = tracker.update(0.3, {})
    assert not began
    (episode,) = ended
    assert episode.onset == {"ttc_s": 2.5}
    assert episode.peak_level == 2
    assert abs(episode.duration_s - 0.2) < 1e-9
    assert episode.raw == ["700#01", "700#02"]


def test_a_short_flicker_continues_the_episode() -> None:
    tracker = EpisodeTracker(merge_gap_s=0.5)
    tracker.update(0.0, {HMW: Observation()})
    assert tracker.update(0.2, {}) == ([], [])
    began, _ = tracker.update(0.4, {HMW: Observation()})
    assert not began
    _, ended = tracker.update(1.0, {})
    assert len(ended) == 1
    assert ended[0].end_t == 0.4


def test_types_are_independent_and_close_ends_what_is_open() -> None:
    tracker = EpisodeTracker()
    tracker.update(0.0, {FCW: Observation(), HMW: Observation()})
    _, ended = tracker.update(0.1, {HMW: Observation()})
    assert [e.type for e in ended] == [FCW]
    assert tracker.open_types == {HMW}
    assert [e.type for e in tracker.close()] == [HMW]
    assert tracker.open_types == set()


@given(st.lists(st.booleans(), min_size=1, max_size=200))
def test_episodes_count_the_rising_edges(states: list[bool]) -> None:
    tracker = EpisodeTracker()
    onsets = ends = 0
    for i, on in enumerate(states):
        began, ended = tracker.update(i * 0.1, {FCW: Observation()} if on else {})
        onsets += len(began)
        ends += len(ended)
    ends += len(tracker.close())
    rising = sum(1 for i, on in enumerate(states) if on and (i == 0 or not states[i - 1]))
    assert onsets == ends == rising
