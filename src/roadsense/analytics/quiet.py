"""Model fits without warnings, safely from several threads at once.

statsmodels and esda warn about what the analytics already handle (a perfect fit, a flat
likelihood, an isolated cell), so those warnings are silenced around the fit. Python's
``warnings.catch_warnings`` changes the process's filters, not the thread's: two threads
inside it at once restore each other's filters in the wrong order, and one of them can be
left with the caller's filters (under pytest, warnings as errors) in the middle of a fit;
the server runs fits for concurrent requests in its thread pool. :func:`quiet` therefore
holds one lock for the duration, and silences numpy's floating-point warnings as well.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

_LOCK = threading.RLock()


@contextmanager
def quiet() -> Iterator[None]:
    """No warnings inside, one thread at a time."""
    with _LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
