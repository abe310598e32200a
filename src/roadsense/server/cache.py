"""A small time-to-live cache for credential lookups."""

from __future__ import annotations

import threading
import time


class TtlCache[T]:
    """A small thread-safe cache of lookups (misses included), each kept ``ttl_s``."""

    def __init__(self, ttl_s: float, max_entries: int = 1_000_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._data: dict[str, tuple[float, T | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, T | None]:
        """(found, value); a cached miss is (True, None)."""
        entry = self._data.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key: str, value: T | None) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.clear()
            self._data[key] = (time.monotonic() + self.ttl_s, value)

    def put_many(self, items: list[tuple[str, T]]) -> None:
        """Add or refresh many entries at once (a bulk load from the store)."""
        if self.ttl_s <= 0:
            return
        expires = time.monotonic() + self.ttl_s
        with self._lock:
            if len(self._data) + len(items) > self.max_entries:
                self._data.clear()
            self._data.update((key, (expires, value)) for key, value in items)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
