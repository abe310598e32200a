"""``device_seen`` is written at once when idle, at most once a second under load."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from roadsense.store.device_seen import SeenDevices

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_lone_upload_is_written_at_once() -> None:
    seen = SeenDevices(every_s=60)
    assert seen.note(["gw-1"], T, loaded=False) == [("gw-1", T)]
    assert seen.drain() == []


def test_under_load_devices_wait_for_the_next_write_and_keep_their_latest_time() -> None:
    seen = SeenDevices(every_s=60)
    assert seen.note(["gw-1"], T, loaded=False) == [("gw-1", T)]  # starts the clock
    later = T + timedelta(seconds=5)
    assert seen.note(["gw-2", "gw-1"], T, loaded=True) == []
    assert seen.note(["gw-1"], later, loaded=True) == []
    assert seen.drain() == [("gw-1", later), ("gw-2", T)]
    assert seen.drain() == []


def test_under_load_a_write_comes_once_the_interval_has_passed() -> None:
    seen = SeenDevices(every_s=0.05)
    seen.drain()
    assert seen.note(["gw-1"], T, loaded=True) == []
    time.sleep(0.06)
    assert seen.note(["gw-2"], T, loaded=True) == [("gw-1", T), ("gw-2", T)]
