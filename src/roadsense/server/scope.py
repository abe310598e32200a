"""Who is asking and which fleet they may see: the one scope of every read route.

Every route that reads the city's data takes a :data:`ReadScope` (or :data:`CityScope`, for
the city-wide products a fleet operator may not read) and reads through it: the store as
the caller may see it (:meth:`FleetScope.store`), the fleet a filter is narrowed to
(:meth:`FleetScope.fleet`), or a 403 for a fleet that is not theirs
(:meth:`FleetScope.require`). Whether a credential is bound to one fleet is decided here
and nowhere else. The model is full-stack-fastapi-template's ``CurrentUser``
(``backend/app/api/deps.py``): a typed dependency that answers who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from roadsense.server.auth import Reader
from roadsense.server.errors import ApiError
from roadsense.store import Principal, Store

CITY_ROLES = ("admin", "analyst")
"""The roles that see every fleet (the others see one fleet, or nothing)."""


@dataclass(frozen=True)
class FleetScope:
    """A signed-in person and the fleet their reads are bound to."""

    who: Principal
    fleet_id: str | None
    """The one fleet the caller may see; None: every fleet (admins and analysts)."""

    @property
    def city_wide(self) -> bool:
        """Whether the caller may see every fleet."""
        return self.fleet_id is None

    @property
    def own_fleet(self) -> bool:
        """Whether the caller is bound to one fleet (and so sees its drivers by name)."""
        return self.fleet_id is not None

    def fleet(self, asked: str | None = None) -> str | None:
        """The fleet an answer covers: the caller's own fleet whatever it asked, else ``asked``."""
        return asked if self.fleet_id is None else self.fleet_id

    def may_see(self, fleet_id: str | None) -> bool:
        """Whether the caller may see the fleet ``fleet_id``."""
        return self.fleet_id is None or fleet_id == self.fleet_id

    def require(self, fleet_id: str) -> None:
        """403 unless the caller may see the fleet ``fleet_id``."""
        if not self.may_see(fleet_id):
            raise ApiError(403, "a fleet operator may read only its own fleet")

    def store(self, store: Store, asked: str | None = None) -> Store:
        """The store as the caller may read it, narrowed to :meth:`fleet` (``asked``)."""
        fleet = self.fleet(asked)
        return store if fleet is None else store.scoped(fleet)


def fleet_scope(who: Reader) -> FleetScope:
    """The scope of a signed-in person: a fleet operator is bound to its own fleet."""
    if who.role in CITY_ROLES:
        return FleetScope(who, None)
    if not who.fleet_id:
        raise ApiError(403, "this fleet operator credential names no fleet")
    return FleetScope(who, who.fleet_id)


ReadScope = Annotated[FleetScope, Depends(fleet_scope)]
"""Any signed-in person, with the fleet they may see."""


def city_scope(scope: ReadScope) -> FleetScope:
    """A scope that sees every fleet; 403 for a caller bound to one fleet."""
    if not scope.city_wide:
        raise ApiError(
            403, f"role {scope.who.role!r} may not do this; it needs {' or '.join(CITY_ROLES)}"
        )
    return scope


CityScope = Annotated[FleetScope, Depends(city_scope)]
"""An admin or analyst: the city-wide products (roads, metrics)."""
