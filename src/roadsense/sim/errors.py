"""The one error the simulator raises for bad input."""


class SimError(ValueError):
    """The simulation cannot run with what it was given (missing or corrupt roads file ...)."""
