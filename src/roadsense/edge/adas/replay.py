"""Replay a recorded track: one frame per JSON line in, one line per warning onset out.

A line that cannot be read stops the replay with :class:`ReplayError` naming its line
number, after every onset before it has been written; with ``skip_bad`` such lines are
skipped and counted instead. Blank lines are ignored. Frames whose time does not increase
count as bad lines. Given a ``track`` name, every output line carries it first
(``{"track": "a.jsonl", "t": ...}``), so that the warnings of many tracks replayed into one
output stay apart; each track gets an engine of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from roadsense.edge.adas.config import AdasConfig
from roadsense.edge.adas.engine import WarningEngine
from roadsense.edge.adas.frame import FrameError, parse_frame
from roadsense.errors import RoadsenseError


class ReplayError(RoadsenseError, ValueError):
    """A bad line in a track; ``line`` is its 1-based number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class ReplayStats:
    """What a replay read and wrote."""

    frames: int = 0
    warnings: int = 0
    skipped: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason) of the first skipped lines (at most 20 kept)."""


def replay(
    lines: Iterable[str],
    out: TextIO,
    config: AdasConfig | None = None,
    *,
    skip_bad: bool = False,
    track: str | None = None,
) -> ReplayStats:
    """Run the engine over ``lines`` and write each warning onset to ``out`` as JSON,
    tagged with ``track`` when one is given."""
    engine = WarningEngine(config)
    stats = ReplayStats()
    last_t: float | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            frame = parse_frame(line)
            if last_t is not None and frame.t <= last_t:
                raise FrameError(f"t: {frame.t} does not come after the previous frame's {last_t}")
        except FrameError as exc:
            if not skip_bad:
                out.flush()
                raise ReplayError(number, str(exc)) from None
            stats.skipped += 1
            if len(stats.bad_lines) < 20:
                stats.bad_lines.append((number, str(exc)))
            continue
        last_t = frame.t
        stats.frames += 1
        for onset in engine.step(frame):
            record = onset.to_json()
            if track is not None:
                record = {"track": track, **record}
            out.write(json.dumps(record) + "\n")
            stats.warnings += 1
    engine.close()
    out.flush()
    return stats
