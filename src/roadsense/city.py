"""The city's settings: its time zone, its default locale and how hotspots are ranked.

One typed place (pydantic-settings, environment variables ``ROADSENSE_*``) that every part
of the city platform may read: the store, analytics, reports, the server and the CLI. The
server's :class:`~roadsense.server.settings.Settings` extends :class:`CitySettings`, so
``ROADSENSE_TIME_ZONE`` means the same to ``roadsense serve`` as to ``roadsense report``.
This module imports nothing of ours; the gateway (``roadsense.edge``) never needs it.

``DEFAULT_*`` are the defaults of the fields below, the only place they are written.
Functions that take a time zone or thresholds default to these; the entry points (CLI
commands, the server, the report) pass the configured values.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TIME_ZONE = "Asia/Seoul"
"""The city's IANA time zone: local days, weeks, months and hours of the day."""
DEFAULT_LOCALE = "ko"
"""The language the dashboard starts in (a person can switch)."""
DEFAULT_HOTSPOT_RESOLUTION = 10
"""H3 resolution of hotspot cells (edge about 66 m, a city block)."""
DEFAULT_MIN_VEHICLE_KM = 1.0
"""Vehicle-km a site needs before it is ranked."""
DEFAULT_MIN_VEHICLES = 3
"""Distinct vehicles a site needs before it is ranked."""


@dataclass(frozen=True)
class RankingThresholds:
    """What a site needs before the hotspot ranking ranks it (see docs/hotspots.md).

    Enough exposure and enough distinct vehicles, so that a handful of kilometres or one
    taxi's habits cannot make a site look dangerous by chance.
    """

    min_vehicle_km: float = DEFAULT_MIN_VEHICLE_KM
    min_vehicles: int = DEFAULT_MIN_VEHICLES

    def __post_init__(self) -> None:
        if self.min_vehicle_km < 0 or self.min_vehicles < 0:
            raise ValueError("ranking thresholds must be >= 0")


class CitySettings(BaseSettings):
    """The city's settings. Every field can be set as ``ROADSENSE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ROADSENSE_", extra="ignore")

    time_zone: str = DEFAULT_TIME_ZONE
    """IANA time zone of the city (``ROADSENSE_TIME_ZONE``)."""
    locale: str = Field(default=DEFAULT_LOCALE, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    """Default language of the dashboard and messages (``ROADSENSE_LOCALE``)."""
    hotspot_resolution: int = Field(default=DEFAULT_HOTSPOT_RESOLUTION, ge=5, le=12)
    """H3 resolution of hotspot cells (``ROADSENSE_HOTSPOT_RESOLUTION``)."""
    min_vehicle_km: float = Field(default=DEFAULT_MIN_VEHICLE_KM, ge=0.0)
    """Exposure a site needs before it is ranked as a hotspot (``ROADSENSE_MIN_VEHICLE_KM``)."""
    min_vehicles: int = Field(default=DEFAULT_MIN_VEHICLES, ge=1)
    """Distinct vehicles a site needs before it is ranked (``ROADSENSE_MIN_VEHICLES``)."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def ranking_thresholds(self) -> RankingThresholds:
        """The thresholds of the hotspot ranking."""
        return RankingThresholds(self.min_vehicle_km, self.min_vehicles)


def city_settings() -> CitySettings:
    """The city's settings as configured now (environment variables ``ROADSENSE_*``)."""
    return CitySettings()
