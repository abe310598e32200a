"""The 0x700 display-and-warnings frame as the warnings active at that moment.

Two sources say a warning is on: the warning bits (LDW left/right, FCW, pedestrian FCW,
pedestrian in danger zone, headway and TSR warning levels, failsafe, tamper) and the sound
type, whose meaning depends on the firmware family (``EdgeConfig.sound_family``). A warning
takes the highest level any source gives it:

- a bit alone: level 1 (visual); FCW and PCW bits level 2; failsafe and tamper level 0 (info);
- headway warning level 2 -> HMW level 1, level 3 -> HMW level 2;
- the sound names the warning (audible): level 2; the 560 family's near headway and hard
  FCW: level 3.
"""

from __future__ import annotations

from collections.abc import Mapping

from roadsense.edge.adas.episodes import Observation
from roadsense.edge.decoding.config import SoundFamily
from roadsense.edge.decoding.counters import Counters
from roadsense.edge.decoding.signals import Signals
from roadsense.schema import EventType

E = EventType

SOUND_TYPES: dict[SoundFamily, dict[int, tuple[EventType, int]]] = {
    "me8": {
        1: (E.LDW_LEFT, 2),
        2: (E.LDW_RIGHT, 2),
        3: (E.HMW, 2),
        4: (E.SPEEDING, 2),
        5: (E.UFCW, 2),
        6: (E.FCW, 2),  # "FCW and PCW": PCW when the pedestrian bit is set
        7: (E.PED_IN_DZ, 2),
    },
    "me560": {
        1: (E.LDW_LEFT, 2),
        2: (E.LDW_RIGHT, 2),
        3: (E.HMW, 2),  # far headway
        4: (E.HMW, 3),  # near headway
        5: (E.FCW, 2),  # soft FCW
        6: (E.FCW, 3),  # hard FCW
    },
}
"""Sound type -> (warning, level) for each firmware family; 0 is silence, others reserved."""

_BITS: tuple[tuple[str, EventType, int], ...] = (
    ("LeftLDW", E.LDW_LEFT, 1),
    ("RightLDW", E.LDW_RIGHT, 1),
    ("FCWOn", E.FCW, 2),
    ("PedsFCW", E.PCW, 2),
    ("PedsInDZ", E.PED_IN_DZ, 1),
    ("Failsafe", E.FAILSAFE, 0),
    ("TamperAlert", E.TAMPER, 0),
)

NO_WARNINGS: Mapping[EventType, Observation] = {}


def active_warnings(
    sig: Signals,
    family: SoundFamily,
    measurements: Mapping[str, float | int | None],
    raw: str | None,
    counters: Counters,
) -> dict[EventType, Observation]:
    """The warnings a decoded 0x700 frame shows, each with its level."""
    levels: dict[EventType, int] = {}
    for name, kind, level in _BITS:
        if sig[name]:
            levels[kind] = level
    hw_level = int(sig["HeadwayWarningLevel"])
    if hw_level >= 2:
        levels[E.HMW] = max(levels.get(E.HMW, 0), hw_level - 1)
    if sig["TSRWarningLevel"]:
        levels[E.SPEEDING] = max(levels.get(E.SPEEDING, 0), 1)
    sound = int(sig["SoundType"])
    if sound:
        named = SOUND_TYPES[family].get(sound)
        if named is None:
            counters["can_reserved_sound"] += 1
        else:
            kind, level = named
            if kind is E.FCW and family == "me8" and sig["PedsFCW"]:
                kind = E.PCW
            levels[kind] = max(levels.get(kind, 0), level)
    if E.FCW in levels and E.UFCW in levels:
        # an urban FCW is also signalled on the FCW bit: one warning, not two
        levels[E.UFCW] = max(levels.pop(E.FCW), levels[E.UFCW])
    if E.FCW in levels and E.PCW in levels and not sig["FCWOn"]:
        # the FCW sound of a pedestrian warning (560 family): one warning, not two
        levels[E.PCW] = max(levels.pop(E.FCW), levels[E.PCW])
    return {kind: Observation(level, measurements, raw) for kind, level in levels.items()}


_ANY_BITS = (*(name for name, _, _ in _BITS), "SoundType", "TSRWarningLevel")


def has_warning(sig: Signals) -> bool:
    """Whether a decoded 0x700 frame shows any warning at all (the fast path's test)."""
    return any(sig[name] for name in _ANY_BITS) or int(sig["HeadwayWarningLevel"]) >= 2
