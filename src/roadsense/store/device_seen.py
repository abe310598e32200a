"""When each gateway was last heard from, written at most once a second under load.

Every upload says its device is alive. Writing that with every commit is a statement per
commit on a table of one row per device; at a fleet's load (ten commits a second) it was
a tenth of the DuckDB writer's time. So the writer notes the devices of each commit here
and writes them only when a second has passed since the last write, or at once when the
commit is a lone upload (no load: tests, a quiet night), and when the store closes.
``last_seen_at`` is therefore at most a second behind under load; it is derived data
(``batches`` keeps each upload's device and time), so a crash loses no upload, only up to
a second of this summary. Both backends use :class:`SeenDevices`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime

FLUSH_EVERY_S = 1.0
"""Under load, ``device_seen`` is written at most this often."""


class SeenDevices:
    """The devices heard from since ``device_seen`` was last written, with when."""

    def __init__(self, every_s: float = FLUSH_EVERY_S) -> None:
        self.every_s = every_s
        self._pending: dict[str, datetime] = {}
        self._written = time.monotonic()
        self._lock = threading.Lock()

    def note(
        self, devices: Iterable[str], at: datetime, *, loaded: bool
    ) -> list[tuple[str, datetime]]:
        """Record ``devices`` as seen ``at``; return the rows to write now (often none).

        ``loaded``: the commit holds more than one upload, so others follow soon."""
        with self._lock:
            for device in devices:
                self._pending[device] = at
            if loaded and time.monotonic() - self._written < self.every_s:
                return []
            return self._take()

    def drain(self) -> list[tuple[str, datetime]]:
        """Everything not yet written (when the store closes)."""
        with self._lock:
            return self._take()

    def _take(self) -> list[tuple[str, datetime]]:
        rows = sorted(self._pending.items())
        self._pending.clear()
        self._written = time.monotonic()
        return rows
