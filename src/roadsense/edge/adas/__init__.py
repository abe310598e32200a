"""Software ADAS: forward collision, pedestrian (and pedestrian in the danger zone), headway,
lane departure and speeding warnings from object lists (a camera, Mobileye obstacle frames,
the simulator).

``WarningEngine(AdasConfig()).step(frame)`` returns the warnings that begin at a frame;
:func:`replay` runs a JSON-lines track through it; :mod:`.episodes` turns per-frame warning
states into episodes (used by the engine and by the decoders of the unit's own warnings).
See ``docs/adas.md``.

May import ``roadsense.schema`` only: nothing of decoding or transport.
"""

from roadsense.edge.adas.config import AdasConfig
from roadsense.edge.adas.engine import WarningEngine, WarningOnset
from roadsense.edge.adas.frame import (
    Ego,
    Frame,
    FrameError,
    Lanes,
    ObjectType,
    TrackedObject,
    frame_from_dict,
    parse_frame,
)
from roadsense.edge.adas.replay import ReplayError, ReplayStats, replay

__all__ = [
    "AdasConfig",
    "Ego",
    "Frame",
    "FrameError",
    "Lanes",
    "ObjectType",
    "ReplayError",
    "ReplayStats",
    "TrackedObject",
    "WarningEngine",
    "WarningOnset",
    "frame_from_dict",
    "parse_frame",
    "replay",
]
