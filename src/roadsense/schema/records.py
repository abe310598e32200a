"""Records shared by the vehicle, the server and the analytics.

Units are in the field names (``_mps`` metres per second, ``_kmh`` km/h, ``_s`` seconds,
``_m`` metres, ``_deg`` degrees). Times are timezone-aware UTC. The upload schema only
grows: a field, once shipped, never changes meaning.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1
"""Version of the upload schema written into every :class:`Batch`."""

MAX_BATCH_ITEMS = 5000
"""The most records one batch may carry."""


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("time must carry a timezone (UTC expected)")
    return value.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_utc)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class EventType(StrEnum):
    """What an ADAS unit, the engine or the IMU warned about."""

    FCW = "FCW"
    """Forward collision warning."""
    UFCW = "UFCW"
    """Urban (low-speed) forward collision warning."""
    PCW = "PCW"
    """Pedestrian or cyclist collision warning."""
    PED_IN_DZ = "PED_IN_DZ"
    """Pedestrian in the danger zone in front of the vehicle."""
    HMW = "HMW"
    """Headway monitoring warning: following too close."""
    LDW_LEFT = "LDW_LEFT"
    LDW_RIGHT = "LDW_RIGHT"
    SPEEDING = "SPEEDING"
    HARSH_BRAKE = "HARSH_BRAKE"
    HARSH_ACCEL = "HARSH_ACCEL"
    HARSH_TURN = "HARSH_TURN"
    POTHOLE = "POTHOLE"
    TAMPER = "TAMPER"
    FAILSAFE = "FAILSAFE"


class EventSource(StrEnum):
    """Where an event came from."""

    MOBILEYE = "mobileye"
    ENGINE = "engine"
    IMU = "imu"
    SIM = "sim"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Position(_Record):
    """One GPS fix of one vehicle."""

    kind: Literal["position"] = "position"
    vehicle_id: Identifier
    time: UtcTime
    lat: Latitude
    lon: Longitude
    speed_mps: NonNegative | None = None
    heading_deg: Annotated[float, Field(ge=0.0, lt=360.0, allow_inf_nan=False)] | None = None
    hdop: NonNegative | None = None
    """Horizontal dilution of precision as the receiver reported it (unitless)."""


class AdasEvent(_Record):
    """One warning episode (onset, duration, peak level) with the measurements behind it."""

    kind: Literal["event"] = "event"
    event_id: uuid.UUID
    """Made in the vehicle; the idempotency key of the event."""
    vehicle_id: Identifier
    time: UtcTime
    """Onset of the warning episode."""
    type: EventType
    level: Annotated[int, Field(ge=0, le=3)] = 1
    """Peak warning level in the episode (0 info, 1 first warning, 2 and 3 urgent)."""
    duration_s: NonNegative = 0.0
    lat: Latitude | None = None
    lon: Longitude | None = None
    position_flag: Literal["ok", "interpolated", "no_fix"] = "ok"
    """``no_fix`` when no GPS fix lay close enough in time; the event is kept all the same."""
    speed_mps: NonNegative | None = None
    ttc_s: NonNegative | None = None
    """Time to collision at onset, seconds."""
    headway_s: NonNegative | None = None
    """Range to the closest in-path vehicle divided by own speed, seconds."""
    speed_limit_kmh: Annotated[float, Field(ge=0.0, le=200.0)] | None = None
    lateral_m: float | None = None
    """Distance from the tyre to the lane marking, metres (positive inside the lane)."""
    source: EventSource
    raw: list[str] = Field(default_factory=list, max_length=256)
    """Raw frames behind the event as they came off the wire (hex or text)."""

    @model_validator(mode="after")
    def _position_pair(self) -> AdasEvent:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if self.lat is None and self.position_flag != "no_fix":
            raise ValueError("an event without lat/lon must have position_flag 'no_fix'")
        return self


class SignSighting(_Record):
    """A traffic sign read by the camera."""

    kind: Literal["sign"] = "sign"
    vehicle_id: Identifier
    time: UtcTime
    lat: Latitude | None = None
    lon: Longitude | None = None
    sign_type: Annotated[str, Field(min_length=1, max_length=32)]
    """``speed_limit``, ``end_of_limit``, ``no_passing`` ..."""
    value: float | None = None
    """The sign's value where it has one (speed limit in km/h)."""
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0


class LaneSample(_Record):
    """The lane markings seen on one side at one moment."""

    kind: Literal["lane"] = "lane"
    vehicle_id: Identifier
    time: UtcTime
    lat: Latitude | None = None
    lon: Longitude | None = None
    side: Literal["left", "right"]
    marking_type: Literal[
        "dashed", "solid", "none", "road_edge", "double", "botts_dots", "barrier", "unknown"
    ]
    quality: Annotated[int, Field(ge=0, le=3)]
    """0 (not seen) to 3 (clear)."""
    lateral_m: float | None = None


class DeviceStatus(_Record):
    """Health of the gateway and the ADAS unit behind it."""

    kind: Literal["status"] = "status"
    vehicle_id: Identifier
    time: UtcTime
    failsafe: bool = False
    tamper: bool = False
    adas_silent: bool = False
    """True when frames from the ADAS unit stopped arriving."""
    error_codes: list[int] = Field(default_factory=list, max_length=64)
    uptime_s: NonNegative | None = None
    counters: dict[str, int] = Field(default_factory=dict)
    """Bad-input counters (corrupt frames, bad NMEA checksums ...)."""


AnyRecord = Position | AdasEvent | SignSighting | LaneSample | DeviceStatus
"""Any record a vehicle makes, as a plain union: what the decoder yields and the outbox takes."""

Record = Annotated[AnyRecord, Field(discriminator="kind")]
"""Any record a vehicle uploads, discriminated by its ``kind`` field (for validation)."""


class Batch(_Record):
    """What a gateway uploads in one request."""

    batch_id: uuid.UUID
    """Made by the gateway; a batch sent twice is stored once."""
    device_id: Identifier
    schema_version: Annotated[int, Field(ge=1)] = SCHEMA_VERSION
    sent_at: UtcTime | None = None
    items: list[Record] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)

    @model_validator(mode="after")
    def _supported_version(self) -> Batch:
        if self.schema_version > SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {self.schema_version} is newer than this server "
                f"understands ({SCHEMA_VERSION})"
            )
        return self


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
