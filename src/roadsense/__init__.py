"""roadsense: a city's ADAS-equipped taxis as a road-safety sensor network."""

__version__ = "0.1.0"
