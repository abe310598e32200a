"""Start and stop SUMO in-process (libsumo), quietly.

libsumo prints a pyarrow version notice on import; it is swallowed here. libsumo runs
one simulation per process at a time, so a lock keeps runs in threads apart. Cars
follow with IDM; collisions are counted, never removed, and only real overlaps count.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

_LOCK = threading.Lock()


def libsumo() -> ModuleType:
    """The libsumo module (imported on first use, its notices swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import libsumo as module
    loaded: ModuleType = module
    return loaded


@contextlib.contextmanager
def running_sumo(
    net_file: Path, seed: int, end_s: int, step_s: float = 1.0, options: Sequence[str] = ()
) -> Iterator[ModuleType]:
    """A started SUMO simulation of ``net_file`` with steps of ``step_s``; closed on exit.

    ``options``: more command-line options (SUMO's SSM device, :mod:`roadsense.sim.conflicts`)."""
    sumo = libsumo()
    args = [
        "sumo",
        "--net-file",
        str(net_file),
        "--step-length",
        str(step_s),
        "--begin",
        "0",
        "--end",
        str(end_s + 1),
        "--seed",
        str(seed),
        "--no-step-log",
        "true",
        "--no-warnings",
        "true",
        "--duration-log.disable",
        "true",
        "--collision.action",
        "warn",
        "--collision.mingap-factor",
        "0",
        "--time-to-teleport",
        "180",
        "--ignore-route-errors",
        "true",
        "--default.speeddev",
        "0.1",
        "--carfollow.model",
        "IDM",
        *options,
    ]
    with _LOCK:
        sumo.start(args)
        try:
            yield sumo
        finally:
            sumo.close()
