"""CAN frames from a live bus (SocketCAN, python-can's virtual bus) or a recorded log.

Logs: candump ``-L`` ``.log`` (python-can's CanutilsLogReader) and Vector ``.asc``
(ASCReader). A line the reader cannot parse is counted as ``can_corrupt_lines`` and
reading goes on with the next line: the reader is restarted on the same open file; a
non-empty log with no frame at all is an error. ASC logs keep wall-clock times; they are
read as UTC.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO, cast

import can

from roadsense.edge.decoding.counters import Counters
from roadsense.errors import RoadsenseError

logger = logging.getLogger(__name__)

LOG_SUFFIXES = (".log", ".asc")
_ASC_RESUME = "internal events logged\n"
"""Ends ASCReader's header scan at once when a reader is restarted mid-file."""


class CanInputError(RoadsenseError, ValueError):
    """A CAN source cannot be opened."""


def open_bus(channel: str, interface: str = "socketcan", **kwargs: object) -> can.BusABC:
    """A live bus: ``socketcan`` on an interface such as ``can0``, or ``virtual`` for tests."""
    try:
        return can.Bus(channel=channel, interface=interface, **kwargs)  # type: ignore[arg-type]
    except (OSError, can.CanError, ValueError, ImportError) as exc:
        raise CanInputError(f"cannot open CAN {interface} channel {channel!r}: {exc}") from exc


def read_can_log(path: Path, counters: Counters) -> Iterator[can.Message]:
    """Frames of a candump ``.log`` or ``.asc`` file, skipping (and counting) corrupt lines."""
    suffix = path.suffix.lower()
    if suffix not in LOG_SUFFIXES:
        raise CanInputError(f"{path}: unknown CAN log format (expected .log or .asc)")
    try:
        f = path.open(encoding="ascii", errors="replace")
    except OSError as exc:
        raise CanInputError(f"cannot read {path}: {exc}") from exc
    frames = 0
    with f:
        for msg in _resilient(f, counters, asc=suffix == ".asc"):
            frames += 1
            yield msg
    if frames == 0 and _has_text(path):
        kind = "Vector .asc" if suffix == ".asc" else "candump -L .log"
        bad = counters["can_corrupt_lines"]
        unreadable = f" ({bad} unreadable line(s))" if bad else ""
        raise CanInputError(f"{path}: no CAN frame in it{unreadable}; is it a {kind} file?")


def _has_text(path: Path) -> bool:
    """Whether a file holds anything but whitespace."""
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            if chunk.strip():
                return True
    return False


def _resilient(f: TextIO, counters: Counters, *, asc: bool) -> Iterator[can.Message]:
    first = True
    base = "hex"
    start_time = 0.0
    offset: float | None = None
    while True:
        reader: can.ASCReader | can.CanutilsLogReader
        if asc:
            source = f if first else cast(TextIO, _Chained(_ASC_RESUME, f))
            reader = can.ASCReader(source, base=base, relative_timestamp=False)
            reader.start_time = start_time
        else:
            reader = can.CanutilsLogReader(f)
        try:
            for msg in reader:
                if asc:
                    if offset is None:
                        offset = _utc_offset(msg.timestamp)
                    msg.timestamp += offset
                yield msg
            return
        except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
            counters["can_corrupt_lines"] += 1
            logger.debug("corrupt CAN log line skipped: %s", exc)
            if isinstance(reader, can.ASCReader):
                base, start_time = reader.base, reader.start_time
        first = False


def _utc_offset(local_ts: float) -> float:
    """Seconds to add to a local-time epoch so the wall clock reads as UTC."""
    try:
        wall = datetime.fromtimestamp(local_ts)
    except (OverflowError, OSError, ValueError):
        return 0.0
    return wall.replace(tzinfo=UTC).timestamp() - local_ts


class _Chained:
    """A text stream of a first line and then the rest of an open file (never closes it)."""

    def __init__(self, head: str, rest: TextIO) -> None:
        self._lines = itertools.chain([head], rest)

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def __next__(self) -> str:
        return next(self._lines)

    def close(self) -> None:
        """The underlying file stays open for the next reader."""
