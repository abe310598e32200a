"""The query parameters the read routes share, each validated once, here.

Whatever a caller puts in a query string is refused with 422 (in the one error shape)
unless it is plausible: days between :data:`FIRST_DAY` and :data:`LAST_DAY` (no year 1 or
9999 reaching the date arithmetic and the store), fleet ids in the form fleets are made
with, no NUL or other control characters in any text.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

FIRST_DAY = date(2000, 1, 1)
"""The earliest day a query may name (before any record the platform can hold)."""
LAST_DAY = date(2099, 12, 31)
"""The latest day a query may name."""

IDENTIFIER = r"^[A-Za-z0-9_.:\-]+$"
"""How ids of fleets, vehicles and devices are spelled (as the records' ``Identifier``)."""
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
"""Free text in a query: anything but NUL and the other control characters."""


def _plausible_day(day: date | None) -> date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"the day must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


Day = Annotated[date | None, AfterValidator(_plausible_day)]
Since = Annotated[Day, Query(description="First local day")]
Until = Annotated[Day, Query(description="Last local day (inclusive)")]
FleetParam = Annotated[
    str | None, Query(min_length=1, max_length=64, pattern=IDENTIFIER, description="A fleet id")
]
TypeParam = Annotated[
    str, Query(max_length=20, pattern=r"^[A-Za-z_]+$", description="An event type or ALL")
]
TimeZoneParam = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=PLAIN_TEXT,
        description="Time zone of the hours of the week (default: the city's)",
    ),
]
