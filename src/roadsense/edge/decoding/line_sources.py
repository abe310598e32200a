"""Text lines from a file or a serial port, for the GPS (NMEA) and IMU (CSV) readers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)


def file_lines(path: Path) -> Iterator[str]:
    """Lines of a log (undecodable bytes become replacement characters)."""
    with path.open(encoding="ascii", errors="replace", newline=None) as f:
        yield from f


def serial_lines(
    port: str, stop: threading.Event, *, baudrate: int = 9600, retry_s: float = 1.0
) -> Iterator[str]:
    """Lines from a serial port until ``stop``; reopens after errors."""
    import serial  # pyserial, only where a serial receiver is used

    while not stop.is_set():
        try:
            with serial.Serial(port, baudrate=baudrate, timeout=0.5) as dev:
                while not stop.is_set():
                    raw = dev.readline()
                    if raw:
                        yield raw.decode("ascii", errors="replace")
        except (OSError, serial.SerialException) as exc:
            logger.warning("serial port %s: %s; retrying", port, exc)
            stop.wait(retry_s)
