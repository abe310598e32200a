"""People crossing the street at the planted crossings (SUMO persons).

At each crossing (:mod:`roadsense.sim.crossings`) people arrive as a Poisson process,
:data:`PEOPLE_PER_HOUR` an hour, half from each side: each one is put on a sidewalk
:data:`APPROACH_M` before the crossing, walks over it and on a few metres along the other
side, and leaves. Only these short walks are simulated: people elsewhere on the sidewalks
are never in a car's path, and SUMO's pedestrian model (striping) costs per person
walking. People give way to cars (the crossings are unmarked) and cars stop for people
already on them (SUMO's junction model); a driver who is not paying attention
(:mod:`roadsense.sim.drivers`), or one turning in, may come upon someone too late.

The walks are drawn from a random stream of their own, so that adding them leaves the
traffic's own draws as they were.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from types import ModuleType

from roadsense.sim.config import PEOPLE_PER_HOUR
from roadsense.sim.crossings import CrossingSite

APPROACH_M = 8.0
"""Each walk starts this far before the crossing and ends this far after it."""
PERSON_TYPE = "DEFAULT_PEDTYPE"
DEPART_NOW = -3.0
"""libsumo's ``depart`` for 'now' (DEPARTFLAG_NOW)."""


class CrossingWalks:
    """Starts the walks across every crossing, second by second."""

    def __init__(
        self,
        sumo: ModuleType,
        sites: Sequence[CrossingSite],
        edge_len: dict[str, float],
        rng: random.Random,
        per_hour: float = PEOPLE_PER_HOUR,
    ) -> None:
        self._sumo = sumo
        self._sites = [s for s in sites if s.in_edge in edge_len and s.out_edge in edge_len]
        self._len = edge_len
        self._rng = rng
        self._p = min(1.0, per_hour / 3600.0)
        self.started = 0
        """Walks begun so far."""

    @property
    def sites(self) -> list[CrossingSite]:
        """The crossings people cross at."""
        return list(self._sites)

    def second(self) -> None:
        """One simulated second: at each crossing, perhaps someone starts to cross."""
        for site in self._sites:
            if self._rng.random() < self._p:
                self._walk(site, self._rng.random() < 0.5)

    def _walk(self, site: CrossingSite, from_in: bool) -> None:
        a, b = (site.in_edge, site.out_edge) if from_in else (site.out_edge, site.in_edge)
        la, lb = self._len[a], self._len[b]
        # the in-edge ends at the crossing, the out-edge starts there
        start = max(0.0, la - APPROACH_M) if a == site.in_edge else min(APPROACH_M, la)
        end = max(0.0, lb - APPROACH_M) if b == site.in_edge else min(APPROACH_M, lb)
        pid = f"ped-{self.started:05d}"
        self.started += 1
        person = self._sumo.person
        try:
            person.add(pid, a, start, DEPART_NOW, PERSON_TYPE)
            person.appendWalkingStage(pid, [a, b], end)
        except self._sumo.TraCIException:  # pragma: no cover - a walk SUMO cannot route
            return
