"""The Spark engine's error: no Java, no master, no workers, no lake."""

from __future__ import annotations

from roadsense.errors import RoadsenseError


class SparkEngineError(RoadsenseError):
    """Spark cannot run the analysis as asked; the message names the fix."""
