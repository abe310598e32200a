"""The store's error: what every backend raises when it cannot do what was asked."""

from __future__ import annotations

from roadsense.errors import RoadsenseError


class StoreError(RoadsenseError, RuntimeError):
    """The store cannot do what was asked (bad location, locked file, newer schema ...)."""
