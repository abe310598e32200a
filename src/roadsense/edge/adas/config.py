"""Every threshold of the software warning engine, typed, in one place.

:class:`AdasConfig` holds one section per warning plus the object filter and the path
geometry. Each field says what it does and where its default comes from: a standard
(US NCAP 2013 FCW confirmation test, ISO 15623, ISO 17361), the behaviour documented for
Mobileye-class units, or a design choice of this engine (tuned on the scenario tests in
``tests/edge/adas``). Speeds are in m/s unless the name ends in ``_kmh``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

KMH = 1.0 / 3.6
"""One km/h in m/s."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class FilterConfig(_Section):
    """How raw object, lane and ego measurements are smoothed before any rule sees them."""

    range_tau_s: float = Field(0.10, gt=0.0, le=2.0)
    """Time constant of the range correction (alpha of the range filter). Design choice."""
    range_rate_tau_s: float = Field(0.20, gt=0.0, le=2.0)
    """Time constant of the range-rate (vx) correction. Design choice: halves vx noise at
    10 Hz while the acceleration-aware prediction step keeps the estimate free of lag."""
    accel_tau_s: float = Field(0.30, gt=0.0, le=2.0)
    """Time constant of the moving average on the object's and the ego's acceleration.
    Design choice: acceleration is the noisiest input and drives the FCW time to contact."""
    accel_jump_mps2: float = Field(2.0, gt=0.0, le=10.0)
    """An object acceleration measured at least this far from the filtered one is a
    manoeuvre: the average restarts from it (:func:`~.tracks.follow_accel`). Design
    choice: four standard deviations of a 0.5 m/s2 sensor (a false restart in about one
    10 s track in a hundred), below the onset of a 0.3 g stop (2.9 m/s2). Tuned on the
    hard-braking family (docs/adas.md, "Hard stops"; 1.5 restarted on noise often enough
    to warn early for a steady slower lead)."""
    accel_deadband_mps2: float = Field(0.5, ge=0.0, le=3.0)
    """Filtered accelerations smaller than this count as 0 in times to contact. Design
    choice: the filtered noise of a 0.5 m/s2 sensor stays below it, so a stopped or steady
    vehicle is not seen as drifting toward or away; a 0.3 g stop is far above it."""
    lateral_tau_s: float = Field(0.15, gt=0.0, le=2.0)
    """Time constant of the alpha-beta filter on lateral offsets and lane distances, which
    gives the lateral speed of pedestrians and the lane departure rate. Design choice."""
    track_timeout_s: float = Field(0.5, gt=0.0, le=5.0)
    """An object unseen for longer than this is forgotten; seen again, its filter restarts."""


class PathConfig(_Section):
    """Which objects lie in the ego vehicle's path (straight-ahead corridor)."""

    ego_width_m: float = Field(1.8, gt=0.5, le=3.0)
    """Width of the ego vehicle (a mid-size taxi)."""
    margin_m: float = Field(0.2, ge=0.0, le=1.5)
    """Added to each side of the corridor. Design choice: keeps a car in the next lane
    (3.5 m away) out of the path with 1.3 m to spare."""
    vehicle_width_m: float = Field(1.8, gt=0.1, le=3.0)
    """Assumed width of a car (object type ``vehicle``)."""
    truck_width_m: float = Field(2.5, gt=0.1, le=3.0)
    """Assumed width of a truck or bus (2.5 m: the usual legal maximum)."""
    motorcycle_width_m: float = Field(0.8, gt=0.1, le=3.0)
    """Assumed width of a motorcycle with its rider."""
    bicycle_width_m: float = Field(0.6, gt=0.1, le=3.0)
    """Assumed width of a bicycle with its rider (handlebars)."""
    pedestrian_width_m: float = Field(0.5, gt=0.1, le=3.0)
    """Assumed width of a pedestrian (shoulders)."""


class FcwConfig(_Section):
    """Forward collision warning at road speeds."""

    min_speed_kmh: float = Field(30.0, ge=0.0, le=200.0)
    """Ego speed from which FCW (rather than UFCW) applies: urban FCW covers the range below
    about 30 km/h (Mobileye)."""
    band_hysteresis_kmh: float = Field(2.0, ge=0.0, le=20.0)
    """Once at ``min_speed_kmh``, FCW applies down to this much below it. Design choice:
    a car holding 30 km/h keeps one threshold despite the noise of its speed."""
    ttc_s: float = Field(3.0, gt=0.0, le=5.0)
    """Warn when the time to contact (own speed, relative speed and relative acceleration)
    is at most this: Mobileye warns up to 3.0 s before impact; US NCAP requires >= 2.4 s
    for the decelerating lead, and a lead braking at 0.5 g 15 m ahead leaves little time
    to see it brake, so the whole 0.6 s covers the filter and the persistence check.
    Tuned on the hard-braking family (docs/adas.md, "Hard stops")."""
    critical_ttc_s: float = Field(1.2, gt=0.0, le=5.0)
    """Level 3 (instead of 2) at or below this time to contact. Design choice."""
    persist_s: float = Field(0.1, ge=0.0, le=1.0)
    """The condition must hold this long (2 frames at 10 Hz, 3 at 20 Hz). Design choice
    against single-frame noise spikes."""
    hysteresis_s: float = Field(0.3, ge=0.0, le=2.0)
    """Once the condition has begun to hold, it keeps holding up to ``ttc_s`` plus this, so
    that noise around the threshold does not restart the persistence count. Design choice."""
    horizon_s: float = Field(10.0, gt=0.0, le=30.0)
    """Time to contact is not searched beyond this."""

    @model_validator(mode="after")
    def _levels(self) -> FcwConfig:
        if self.critical_ttc_s > self.ttc_s:
            raise ValueError("critical_ttc_s must not exceed ttc_s")
        return self


class UfcwConfig(_Section):
    """Urban (low-speed) forward collision warning, below ``fcw.min_speed_kmh``."""

    min_speed_kmh: float = Field(5.0, ge=0.0, le=100.0)
    """No warning while creeping or standing. Design choice."""
    ttc_s: float = Field(2.0, gt=0.0, le=5.0)
    """Warn at or below this time to contact. Design choice: shorter than FCW because gaps in
    city traffic are short and drivers brake late but gently."""
    persist_s: float = Field(0.2, ge=0.0, le=1.0)
    """The condition must hold this long. Design choice."""
    hysteresis_s: float = Field(0.3, ge=0.0, le=2.0)
    """As ``fcw.hysteresis_s``. Design choice."""


class PcwConfig(_Section):
    """Pedestrian and cyclist collision warning."""

    ttc_s: float = Field(2.0, gt=0.0, le=5.0)
    """Warn at or below this time to collision. No public threshold exists (Mobileye
    publishes none); design choice."""
    min_lateral_speed_mps: float = Field(0.5, ge=0.0, le=5.0)
    """A road user outside the path counts as entering it only when moving toward it at
    least this fast. Design choice: above the lateral-speed noise of a filtered 0.1 m
    position, below a slow walk (about 1 m/s)."""
    persist_s: float = Field(0.2, ge=0.0, le=1.0)
    """The condition must hold this long. Design choice."""
    hysteresis_s: float = Field(0.3, ge=0.0, le=2.0)
    """As ``fcw.hysteresis_s``. Design choice."""


class PedDzConfig(_Section):
    """Pedestrian (or cyclist) in the danger zone just ahead, at low speed (PED_IN_DZ)."""

    min_speed_kmh: float = Field(2.0, ge=0.0, le=50.0)
    """Silent while standing: pedestrians cross in front of a car waiting at a crossing.
    Design choice (any creeping counts)."""
    max_speed_kmh: float = Field(30.0, ge=0.0, le=100.0)
    """The indication is a low-speed one (Mobileye shows it in town traffic, where urban
    FCW applies too); above this, PCW covers road users ahead. Design choice."""
    min_length_m: float = Field(3.0, ge=0.0, le=20.0)
    """The zone reaches at least this far ahead of the bumper. Design choice: the area a
    driver cannot see over a taxi's bonnet plus a step."""
    time_s: float = Field(1.5, ge=0.0, le=5.0)
    """... plus this many seconds of travel at the present speed (8.3 m at 20 km/h).
    Design choice."""
    persist_s: float = Field(0.2, ge=0.0, le=1.0)
    """Inside the zone this long. Design choice against a single-frame position jump."""

    @model_validator(mode="after")
    def _band(self) -> PedDzConfig:
        if self.min_speed_kmh > self.max_speed_kmh:
            raise ValueError("min_speed_kmh must not exceed max_speed_kmh")
        return self


class HmwConfig(_Section):
    """Headway monitoring: range to the closest in-path vehicle over own speed."""

    display_s: float = Field(2.5, gt=0.0, le=5.0)
    """Headway is shown (not warned) at or below this (Mobileye)."""
    caution_s: float = Field(1.0, gt=0.0, le=3.0)
    """Level 1 at or below this headway. Design choice."""
    warning_s: float = Field(0.6, ge=0.4, le=2.0)
    """Level 2 (audible) at or below this headway: 0.6 s on older Mobileye units, settable
    0.4-2.0 s."""
    min_speed_kmh: float = Field(30.0, ge=0.0, le=200.0)
    """Active above about 30-40 km/h (Mobileye)."""
    opening_mps: float = Field(0.5, ge=0.0, le=10.0)
    """No warning while the vehicle ahead pulls away faster than this (a car that cuts in
    and pulls away). Design choice."""
    persist_s: float = Field(0.5, ge=0.0, le=5.0)
    """The headway must stay short this long. Design choice."""

    @model_validator(mode="after")
    def _levels(self) -> HmwConfig:
        if not self.warning_s <= self.display_s:
            raise ValueError("warning_s must not exceed display_s")
        if self.caution_s < self.warning_s:
            raise ValueError("caution_s must be at least warning_s")
        return self


class LdwConfig(_Section):
    """Lane departure warning inside the ISO 17361 warning zone."""

    min_speed_kmh: float = Field(55.0, ge=0.0, le=200.0)
    """Active above 55 km/h (Mobileye default)."""
    time_to_line_s: float = Field(0.5, gt=0.0, le=2.0)
    """Warn when the tyre would reach the marking within this time: Mobileye warns up to
    0.5 s before the crossing. Never earlier than the ISO 17361 earliest warning line."""
    min_rate_mps: float = Field(0.05, ge=0.0, le=1.0)
    """No warning below this departure rate (ISO 17361 tests start at 0.1 m/s)."""
    latest_line_m: float = Field(0.3, ge=0.0, le=1.0)
    """ISO 17361 latest warning line for cars: this far outside the marking. Past it the
    warning is late; the engine still warns rather than stay silent."""
    persist_s: float = Field(0.1, ge=0.0, le=1.0)
    """The condition must hold this long. Design choice."""
    sharp_curve_radius_m: float = Field(250.0, ge=0.0, le=5000.0)
    """Silent in curves of a smaller radius (when the frame gives the curvature): ISO 17361
    requires class II systems to warn in curves down to a 250 m radius (class I: 500 m),
    and Mobileye units are silent in sharp turns. 0 disables the rule."""
    curve_radius_m: float = Field(1000.0, ge=0.0, le=10000.0)
    """A road bending at this radius or less is a curve that a driver may cut (below, a
    departure is a departure). Design choice."""
    cut_max_rate_mps: float = Field(0.5, ge=0.0, le=2.0)
    """In a curve, a departure toward its inside at no more than this is curve cutting and
    does not warn. Design choice: a driver lining up for the inside line drifts at a few
    tenths of a metre per second; 0.5 m/s is where ISO 17361's slow-departure band ends
    (its tests run at 0.1-0.8 m/s)."""


class SpeedingConfig(_Section):
    """Speeding against the last speed limit read from a sign (or the map)."""

    margin_kmh: float = Field(10.0, ge=0.0, le=50.0)
    """Warn above the limit plus this margin. Design choice (units let the owner set it)."""
    min_duration_s: float = Field(2.0, ge=0.0, le=60.0)
    """Only after speeding this long. Design choice: ignores overtaking bursts and a limit
    that changes a few metres after the sign."""


class AdasConfig(_Section):
    """All settings of the software warning engine; every default is documented."""

    filter: FilterConfig = FilterConfig()
    path: PathConfig = PathConfig()
    fcw: FcwConfig = FcwConfig()
    ufcw: UfcwConfig = UfcwConfig()
    pcw: PcwConfig = PcwConfig()
    ped_dz: PedDzConfig = PedDzConfig()
    hmw: HmwConfig = HmwConfig()
    ldw: LdwConfig = LdwConfig()
    speeding: SpeedingConfig = SpeedingConfig()
    episode_merge_gap_s: float = Field(1.0, ge=0.0, le=10.0)
    """A warning silent for at most this long and active again continues the same episode
    (one output line). Design choice."""

    @model_validator(mode="after")
    def _speed_bands(self) -> AdasConfig:
        if self.ufcw.min_speed_kmh > self.fcw.min_speed_kmh:
            raise ValueError("ufcw.min_speed_kmh must not exceed fcw.min_speed_kmh")
        return self
