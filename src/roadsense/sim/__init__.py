"""Simulated taxi fleet on a real OSM network (SUMO), with ground truth.

The simulator drives everything downstream for the demo and the tests: each taxi's ADAS
unit warns by its own rules on SUMO's scene and writes what a real one would record (its
CAN frames, the GPS's NMEA sentences, the IMU's samples); the gateway's own decoder reads
those logs back. The ground truth says where the planted hazards are and
where every warning the gateways report really happened. See ``docs/simulation.md``.

May import ``schema`` and the edge's decoding (the DBC, to encode what a real unit sends,
and the decoder, to read a run back), never its transport, the store, roads, analytics,
the server or the CLI. The ground truth is made without the edge
(``tests/sim/test_truth_independence.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roadsense.sim.config import SimConfig
    from roadsense.sim.errors import SimError
    from roadsense.sim.ground_truth import GroundTruth, Hazard
    from roadsense.sim.run import SimResult, load_ground_truth, load_vehicle_records, run_simulation

_WHERE = {
    "GroundTruth": "roadsense.sim.ground_truth",
    "Hazard": "roadsense.sim.ground_truth",
    "SimConfig": "roadsense.sim.config",
    "SimError": "roadsense.sim.errors",
    "SimResult": "roadsense.sim.run",
    "load_ground_truth": "roadsense.sim.run",
    "load_vehicle_records": "roadsense.sim.run",
    "run_simulation": "roadsense.sim.run",
}
"""Loaded on first use, so that importing the truth's own modules (``unit_rules``,
``ground_truth``...) does not load the gateway's decoder that ``run`` reads logs with."""


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'roadsense.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(where), name)


__all__ = [
    "GroundTruth",
    "Hazard",
    "SimConfig",
    "SimError",
    "SimResult",
    "load_ground_truth",
    "load_vehicle_records",
    "run_simulation",
]
