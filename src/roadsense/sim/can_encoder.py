"""Encode Mobileye frames with our DBC, fast enough for a whole simulated fleet.

cantools encodes one frame in tens of microseconds; a fleet of 100 taxis over two hours
sends millions. :class:`FrameEncoder` reads every message's signal layout from the same
DBC the gateway decodes with (``roadsense/edge/decoding/dbc/mobileye.dbc``) and packs the bits
itself: scale and offset as in the DBC, values clamped to the signal's range (a unit never
sends more than its field holds), two's complement for signed signals, little-endian bit
numbering (the only byte order our DBC uses). Signals not given are 0. Frames whose
values repeat come from a cache. Tests check it byte for byte against cantools.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadsense.edge.decoding.signals import load_dbc


@dataclass(frozen=True, slots=True)
class _Signal:
    start: int
    mask: int
    scale: float
    offset: float
    raw_min: int
    raw_max: int


class FrameEncoder:
    """``encode(frame_id, **signals) -> bytes`` for every message of our DBC."""

    def __init__(self) -> None:
        self._signals: dict[int, dict[str, _Signal]] = {}
        self._lengths: dict[int, int] = {}
        self._cache: dict[tuple[int, tuple[tuple[str, float], ...]], bytes] = {}
        for message in load_dbc().messages:
            layout: dict[str, _Signal] = {}
            for s in message.signals:
                if s.byte_order != "little_endian":
                    raise ValueError(f"{message.name}.{s.name}: only little-endian is supported")
                scale, offset = float(s.scale), float(s.offset)
                lo = s.minimum if s.minimum is not None else -(2**63)
                hi = s.maximum if s.maximum is not None else 2**63
                raw_lo = round((lo - offset) / scale)
                raw_hi = round((hi - offset) / scale)
                kind_lo = -(1 << (s.length - 1)) if s.is_signed else 0
                kind_hi = (1 << (s.length - 1)) - 1 if s.is_signed else (1 << s.length) - 1
                layout[s.name] = _Signal(
                    start=s.start,
                    mask=(1 << s.length) - 1,
                    scale=scale,
                    offset=offset,
                    raw_min=max(raw_lo, kind_lo),
                    raw_max=min(raw_hi, kind_hi),
                )
            self._signals[message.frame_id] = layout
            self._lengths[message.frame_id] = message.length

    def encode(self, frame_id: int, **signals: float) -> bytes:
        """The payload of ``frame_id`` with these physical values (KeyError: unknown name)."""
        key = (frame_id, tuple(signals.items()))
        data = self._cache.get(key)
        if data is not None:
            return data
        layout = self._signals[frame_id]
        word = 0
        for name, value in signals.items():
            s = layout[name]
            raw = round((value - s.offset) / s.scale)
            raw = s.raw_min if raw < s.raw_min else s.raw_max if raw > s.raw_max else raw
            word |= (raw & s.mask) << s.start
        data = word.to_bytes(self._lengths[frame_id], "little")
        if len(self._cache) < 50_000:  # repeats (silence, steady speed) hit; the rest pass
            self._cache[key] = data
        return data


def candump_line(t: float, frame_id: int, data: bytes, channel: str = "can0") -> str:
    """One frame as ``candump -L`` writes it: ``(1590998400.050000) can0 700#00...``."""
    return f"({t:.6f}) {channel} {frame_id:03X}#{data.hex().upper()}\n"
