"""Simulated taxi fleet on a real OSM network (SUMO), with ground truth.

The simulator drives everything downstream for the demo and the tests: each taxi's ADAS
unit runs the gateway's warning engine on SUMO's scene and writes what a real one would
record (its CAN frames, the GPS's NMEA sentences, the IMU's samples); the gateway's own
decoder reads those logs back. The ground truth says where the planted hazards are and
where every warning the gateways report really happened. See ``docs/simulation.md``.

May import ``schema`` and the edge's decoding and warning engine (to encode what a real
unit sends), never its transport, the store, roads, analytics, the server or the CLI.
"""

from roadsense.sim.config import SimConfig
from roadsense.sim.errors import SimError
from roadsense.sim.ground_truth import GroundTruth, Hazard
from roadsense.sim.run import SimResult, load_ground_truth, load_vehicle_records, run_simulation

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
