"""Simulated taxi fleet on a real OSM network (SUMO), with ground truth.

The simulator drives everything downstream for the demo and the tests: each taxi
writes what its gateway would upload (positions at 1 Hz and ADAS warning episodes),
and the ground truth says where the planted hazards are and where every event
really happened.
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
