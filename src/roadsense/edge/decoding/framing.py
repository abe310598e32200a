"""First decoding layer: is a CAN frame one we can decode at all?

Rejects (and counts) error frames, remote frames, extended or unknown ids and frames whose
length differs from the DBC; frames whose time goes backwards are counted and held at the
last good time so episodes stay in order. Nothing here raises on bad input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import can

from roadsense.edge.decoding.counters import Counters

MAX_EPOCH_S = 4_102_444_800.0
"""2100-01-01: a frame time beyond this (or before 1970) is not a time."""
BACKWARDS_TOLERANCE_S = 0.001
"""Jitter smaller than this between interfaces is not counted as time going backwards."""


class FrameChecker:
    """Checks frames against the DBC's ids and lengths; keeps frame time monotonic."""

    __slots__ = ("_lengths", "counters", "last_t")

    def __init__(self, lengths: Mapping[int, int], counters: Counters) -> None:
        self._lengths = dict(lengths)
        self.counters = counters
        self.last_t: float | None = None

    def check(self, msg: can.Message) -> float | None:
        """The frame's time if it should be decoded, else None (the reason is counted)."""
        if msg.is_error_frame:
            self.counters["can_error_frames"] += 1
            return None
        if msg.is_remote_frame:
            self.counters["can_remote_frames"] += 1
            return None
        expected = None if msg.is_extended_id else self._lengths.get(msg.arbitration_id)
        if expected is None:
            self.counters["can_unknown_id"] += 1
            return None
        if len(msg.data) != expected:
            self.counters["can_wrong_dlc"] += 1
            return None
        t = msg.timestamp
        if not (math.isfinite(t) and 0.0 <= t < MAX_EPOCH_S):
            self.counters["can_bad_time"] += 1
            return None
        last = self.last_t
        if last is not None and t < last:
            if t < last - BACKWARDS_TOLERANCE_S:
                self.counters["can_time_backwards"] += 1
            return last
        self.last_t = t
        return t


def raw_frame(msg: can.Message) -> str:
    """A frame as candump writes it (``700#0102...``), for the raw list of an event."""
    return f"{msg.arbitration_id:03X}#{msg.data.hex().upper()}"
