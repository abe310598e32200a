"""Typed configuration of the in-vehicle decoder, in one place.

Every field can be set as ``ROADSENSE_EDGE_<NAME>`` in the environment or in a JSON file
passed to :func:`load_config`. Firmware differences of the ADAS unit (the two sound-type
families of 0x700) are configuration, never code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from roadsense.errors import RoadsenseError

SoundFamily = Literal["me8", "me560"]
"""``me8``: Mobileye 5/6 and 8 Connect; ``me560``: Mobileye 560/660."""


class EdgeConfigError(RoadsenseError, ValueError):
    """The configuration file or environment is not valid."""


class EdgeConfig(BaseSettings):
    """How the gateway decodes its ADAS unit, GPS and IMU."""

    model_config = SettingsConfigDict(env_prefix="ROADSENSE_EDGE_", extra="forbid")

    vehicle_id: str = Field(default="vehicle", min_length=1, max_length=64)
    """The vehicle every record is written for (as provisioned on the server)."""
    sound_family: SoundFamily = "me8"
    """How to read the 0x700 sound type (see docs/gateway.md)."""
    silent_after_s: float = Field(default=2.0, gt=0.0)
    """No frame from the ADAS unit for this long: the unit is reported silent."""
    power_off_after_s: float = Field(default=60.0, gt=0.0)
    """Recorded input whose time jumps by more than this (no CAN frame, fix or IMU sample
    between, no tick): the gateway was off with the ignition (a night between two drives).
    The next input starts a new drive: the unit has ``silent_after_s`` from there before it
    counts as silent, and the uptime counts from there. A gateway that is on ticks through
    such a stretch and reports a unit that stopped speaking after ``silent_after_s``."""
    no_fix_window_s: float = Field(default=2.0, gt=0.0)
    """A record further than this from every GPS fix is flagged ``no_fix``."""
    fix_buffer_s: float = Field(default=120.0, gt=0.0)
    """How much GPS history is kept for interpolation."""
    merge_gap_s: float = Field(default=0.3, ge=0.0)
    """A warning silent for less than this continues the same episode."""
    max_raw_frames: int = Field(default=32, ge=0, le=256)
    """Raw frames kept with each event."""
    lane_sample_every_s: float = Field(default=1.0, gt=0.0)
    """One LaneSample per side at most this often."""
    sign_repeat_s: float = Field(default=5.0, gt=0.0)
    """The same sign seen again within this time is the same sighting."""
    status_every_s: float = Field(default=60.0, gt=0.0)
    """A DeviceStatus heartbeat (counters, uptime) at least this often."""
    vehicle_half_width_m: float = Field(default=0.9, gt=0.0, lt=3.0)
    """Half the vehicle's width: lane offset minus this is the tyre-to-marking distance."""
    # IMU thresholds (m/s^2; x forward, y left, z up, gravity included in z)
    harsh_brake_mps2: float = Field(default=3.5, gt=0.0)
    harsh_accel_mps2: float = Field(default=3.0, gt=0.0)
    harsh_turn_mps2: float = Field(default=4.0, gt=0.0)
    pothole_mps2: float = Field(default=6.0, gt=0.0)
    """A vertical deviation from gravity larger than this is a pothole candidate."""
    pothole_max_s: float = Field(default=0.3, gt=0.0)
    """A vertical spike longer than this is not a pothole (a ramp, a speed bump taken slowly)."""
    # The software warning engine (roadsense.edge.adas) on the unit's object list
    engine: bool = False
    """Feed the decoded obstacles (0x739..), car info (0x760) and lane markings (0x766-0x769)
    into the warning engine each cycle and upload its episodes as AdasEvents with source
    ``engine``. Off for Mobileye units, which warn themselves (0x700); on for cameras that
    give object lists."""
    engine_lane_timeout_s: float = Field(default=0.5, gt=0.0)
    """A lane marking not reported for this long counts as not seen by the engine."""


def load_config(path: Path | None = None, **overrides: object) -> EdgeConfig:
    """Configuration from the environment, a JSON file and explicit overrides (in that order)."""
    values: dict[str, object] = {}
    if path is not None:
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EdgeConfigError(f"cannot read config {path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise EdgeConfigError(f"config {path} must hold a JSON object")
        values.update(loaded)
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return EdgeConfig(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise EdgeConfigError(f"invalid edge configuration: {exc}") from exc
