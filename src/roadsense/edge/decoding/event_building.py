"""Episodes to AdasEvents: ids, times and the measurements behind each warning.

The event id is derived from the vehicle, the warning and its onset (UUID 5), so decoding
the same log twice gives the same ids and the server stores each event once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from roadsense.edge.adas.episodes import Episode
from roadsense.schema import AdasEvent, EventSource, EventType

EVENT_NAMESPACE = uuid.UUID("6f1c0b52-4d0e-4c53-9d7a-2f6a3c1e8b11")
"""Namespace of the event ids made on the edge."""

_LATERAL_KEY = {
    EventType.LDW_LEFT: "lateral_left_m",
    EventType.LDW_RIGHT: "lateral_right_m",
    EventType.PED_IN_DZ: "lateral_m",  # the pedestrian's offset from the path's centre
}


def event_id(vehicle_id: str, kind: EventType, onset_t: float, scope: str = "") -> uuid.UUID:
    """The idempotency key of an episode: same vehicle, warning and onset, same id.

    ``scope`` keeps the ids of a second warning source apart (the software engine warns
    ``engine/``), so its episode and the unit's own one at the same frame both arrive.
    """
    return uuid.uuid5(EVENT_NAMESPACE, f"{vehicle_id}/{scope}{kind.value}/{onset_t:.3f}")


def utc(t: float) -> datetime:
    """Epoch seconds as a timezone-aware UTC time."""
    return datetime.fromtimestamp(t, UTC)


def episode_event(
    episode: Episode, vehicle_id: str, source: EventSource, scope: str = ""
) -> AdasEvent:
    """The event of one finished episode, without a position yet (``no_fix``)."""
    m = episode.onset
    lateral_key = _LATERAL_KEY.get(episode.type)
    return AdasEvent(
        event_id=event_id(vehicle_id, episode.type, episode.start_t, scope),
        vehicle_id=vehicle_id,
        time=utc(episode.start_t),
        type=episode.type,
        level=min(3, max(0, episode.peak_level)),
        duration_s=round(episode.duration_s, 3),
        position_flag="no_fix",
        speed_mps=_nonneg(m, "speed_mps"),
        ttc_s=_nonneg(m, "ttc_s"),
        headway_s=_nonneg(m, "headway_s"),
        speed_limit_kmh=_nonneg(m, "speed_limit_kmh"),
        lateral_m=_float(m, lateral_key) if lateral_key else None,
        source=source,
        raw=list(episode.raw[:256]),
    )


def _float(m: Mapping[str, float | int | None], key: str) -> float | None:
    value = m.get(key)
    return None if value is None else float(value)


def _nonneg(m: Mapping[str, float | int | None], key: str) -> float | None:
    value = _float(m, key)
    return None if value is None or value < 0 else value
