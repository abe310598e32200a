"""What the running app holds: its settings, its store, caches and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from roadsense.roads.places import PlaceNamer
from roadsense.server.cache import TtlCache
from roadsense.server.metrics import Metrics
from roadsense.server.settings import Settings
from roadsense.server.signin_throttle import SignInThrottle
from roadsense.store import Device, Principal, Store


@dataclass
class AppState:
    """Shared by every request of one app."""

    settings: Settings
    store: Store
    roads_path: Path
    metrics: Metrics
    device_cache: TtlCache[Device] = field(init=False)
    key_cache: TtlCache[Principal] = field(init=False)
    signin_throttle: SignInThrottle = field(init=False)
    _places: tuple[object, PlaceNamer | None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.device_cache = TtlCache(self.settings.credential_cache_s)
        self.key_cache = TtlCache(self.settings.credential_cache_s)
        self.signin_throttle = SignInThrottle(
            {
                "user": self.settings.signin_failures_per_account,
                "addr": self.settings.signin_failures_per_address,
            },
            self.settings.signin_window_s,
        )

    def network_key(self) -> tuple[str, str] | None:
        """Which road network the store holds now (None without one): answers that name
        places are cached under it, so an import shows at once."""
        info = self.store.road_network_info()
        return (info.digest, info.imported_at.isoformat()) if info else None

    def places(self) -> PlaceNamer | None:
        """Street names of the store's road network (None without one), built once and
        again only when another network is imported."""
        key = self.network_key()
        if self._places is None or self._places[0] != key:
            self._places = (key, PlaceNamer.of(self.store) if key else None)
        return self._places[1]


def get_state(request: Request) -> AppState:
    """The app state of the request's app."""
    state: AppState = request.app.state.roadsense
    return state
