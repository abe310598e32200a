"""Speed limits: an explicit OSM ``maxspeed``, else a default by road class and country.

The defaults are the general urban limits of each country's traffic law as they apply
in a city (the setting of every roadsense deployment). A limit that comes from here,
not from the map, is marked ``default`` wherever it is shown.

- Korea (KR): the "Safe Speed 5030" rules in force since April 2021: 50 km/h on urban
  arterials, 30 km/h on residential and local streets; urban expressways 80 km/h and
  motorways 100 km/h.
- Finland (FI): 50 km/h in built-up areas unless signed otherwise; motorways 100 km/h
  (120 km/h in summer outside towns), 30-40 km/h on many residential streets but only
  where signed, so the built-up default of 50 km/h is used for them.
- Anywhere else: a conservative urban default (50 km/h; 30 km/h on living streets and
  service roads; 100 km/h on motorways).

Implicit ``maxspeed`` values (``KR:urban``, ``FI:rural``, ``walk`` ...) are resolved
from the same tables.
"""

from __future__ import annotations

import re

_GENERIC: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 50.0,
    "secondary": 50.0,
    "secondary_link": 50.0,
    "tertiary": 50.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "residential": 50.0,
    "road": 50.0,
    "living_street": 20.0,
    "service": 30.0,
}

DEFAULTS: dict[str, dict[str, float]] = {
    "KR": {
        **_GENERIC,
        "motorway": 100.0,
        "motorway_link": 60.0,
        "trunk": 80.0,
        "trunk_link": 50.0,
        "unclassified": 30.0,
        "residential": 30.0,
        "living_street": 20.0,
        "service": 30.0,
    },
    "FI": {**_GENERIC, "motorway": 100.0, "trunk": 80.0, "living_street": 20.0},
    "": _GENERIC,
}
"""Default limit (km/h) by country code and OSM ``highway`` class ("" = elsewhere)."""

_ZONE: dict[str, float] = {
    "urban": 50.0,
    "rural": 80.0,
    "motorway": 100.0,
    "trunk": 80.0,
    "living_street": 20.0,
    "zone30": 30.0,
    "zone:30": 30.0,
}
_ZONE_BY_COUNTRY: dict[str, dict[str, float]] = {
    "KR": {"urban": 50.0, "rural": 60.0, "motorway": 100.0},
    "FI": {"urban": 50.0, "rural": 80.0, "motorway": 120.0},
}

_COUNTRY_BOXES: dict[str, tuple[float, float, float, float]] = {
    "KR": (124.5, 33.0, 131.0, 38.7),
    "FI": (19.0, 59.5, 31.6, 70.1),
}
"""Rough (min lon, min lat, max lon, max lat) of the countries with their own table."""


def country_at(lon: float, lat: float) -> str:
    """The country code of a place if it has its own table here, else ``""``."""
    for code, (x0, y0, x1, y1) in _COUNTRY_BOXES.items():
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return code
    return ""


def default_limit_kmh(highway: str, country: str) -> float:
    """The default limit of a road class in a country (km/h)."""
    table = DEFAULTS.get(country.upper(), _GENERIC)
    return table.get(highway, _GENERIC.get(highway, 50.0))


def parse_maxspeed_kmh(value: str | None, country: str = "") -> float | None:
    """An OSM ``maxspeed`` value in km/h; None when absent or not understood.

    Handles numbers (``"50"``), units (``"30 mph"``, ``"50 km/h"``), several values
    (``"50;30"``: the lowest), ``walk`` and implicit zones (``"KR:urban"``).
    """
    if not value:
        return None
    text = value.strip().lower()
    if ";" in text:
        parsed = [parse_maxspeed_kmh(v, country) for v in text.split(";")]
        known = [v for v in parsed if v is not None]
        return min(known) if known else None
    if text == "walk":
        return 7.0
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", text)
    if match:
        speed = float(match.group(1))
        if speed <= 0:
            return None
        return round(speed * 1.609344, 1) if match.group(2) == "mph" else speed
    zone = re.fullmatch(r"([a-z]{2}):(.+)", text)
    if zone:
        code, kind = zone.group(1).upper(), zone.group(2)
        return _ZONE_BY_COUNTRY.get(code, {}).get(kind, _ZONE.get(kind))
    return None
