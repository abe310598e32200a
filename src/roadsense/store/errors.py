"""The store's error: what every backend raises when it cannot do what was asked."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot do what was asked (bad location, locked file, newer schema ...)."""
