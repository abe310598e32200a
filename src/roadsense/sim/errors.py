"""The one error the simulator raises for bad input."""

from roadsense.errors import RoadsenseError


class SimError(RoadsenseError, ValueError):
    """The simulation cannot run with what it was given (missing or corrupt roads file ...)."""
