"""The typed answers of the dashboard's read routes (``/v1/panels/*``) that have a model.

The GeoJSON layers are plain dictionaries (``FeatureCollection``); the headline figures and
the plain ranked list of hotspot cells are models, so that the API's schema names them.
"""

from __future__ import annotations

from pydantic import BaseModel


class Summary(BaseModel):
    """Headline figures (as of the cube's last build, see docs/dashboard.md)."""

    vehicles: int
    positions: int
    events: int
    events_by_type: dict[str, int]
    vehicle_km: float
    batches: int
    event_types: list[str]


class Hotspot(BaseModel):
    """One ranked cell (docs/hotspots.md: the one hotspot ranking)."""

    rank: int
    cell: str
    place: str | None
    """Named by its streets ("Mannerheimintie at Kaivokatu"); null without a road network."""
    lat: float
    lon: float
    events: int
    vehicle_km: float
    vehicles: int
    rate_per_1000_vkm: float
    expected: float | None
    """Empirical Bayes expected count; null when ranked by rate (no SPF could be fitted)."""
    excess: float | None
    """Expected minus the SPF's prediction; null when ranked by rate."""
