"""A calendar month in the city's time zone, as UTC instants the store understands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roadsense.city import DEFAULT_TIME_ZONE

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    """One calendar month in a time zone."""

    year: int
    month: int
    tz: str

    @property
    def label(self) -> str:
        """``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        """The month's first day."""
        return date(self.year, self.month, 1)

    def _local_start(self, year: int, month: int) -> datetime:
        return datetime(year, month, 1, tzinfo=ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def start(self) -> datetime:
        """The month's first instant (UTC)."""
        return self._local_start(self.year, self.month)

    @property
    def end(self) -> datetime:
        """The next month's first instant (UTC), exclusive."""
        return self.next().start

    def next(self) -> Month:
        """The month after."""
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return Month(year, month, self.tz)

    def previous(self) -> Month:
        """The month before."""
        year, month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
        return Month(year, month, self.tz)


def parse_month(text: str, tz: str = DEFAULT_TIME_ZONE) -> Month:
    """``YYYY-MM`` in ``tz`` (the city's time zone by default); ValueError for anything else."""
    found = _MONTH.match(text.strip())
    if not found:
        raise ValueError(f"a month is written YYYY-MM, not {text!r}")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month} in {text!r}")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    return Month(year, month, tz)
