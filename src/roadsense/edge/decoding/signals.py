"""Second decoding layer: CAN frame bytes to DBC signals with cantools.

The DBC (``roadsense/edge/decoding/dbc/mobileye.dbc``) is loaded once; message lookups are cached by
id, and the signals of the last payload seen on each id are reused when the same bytes come
again (most frames repeat from one cycle to the next), so a repeated frame costs one dict
lookup and one bytes comparison.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import cantools
from cantools.database.can import Database, Message

from roadsense.errors import RoadsenseError

Signals = dict[str, float | int]
"""Signal name to physical value (raw integers for enumerations)."""

DBC_PACKAGE = "roadsense.edge.decoding.dbc"
DBC_NAME = "mobileye.dbc"


class SignalError(RoadsenseError, ValueError):
    """A frame's bytes could not be decoded with the DBC."""


@cache
def load_dbc() -> Database:
    """Our Mobileye DBC, parsed once per process."""
    text = resources.files(DBC_PACKAGE).joinpath(DBC_NAME).read_text(encoding="utf-8")
    db = cantools.database.load_string(text, database_format="dbc", strict=True)
    assert isinstance(db, Database)
    return db


class SignalDecoder:
    """Decode frames of known ids; caches message objects and the last payload per id."""

    __slots__ = ("_last", "_messages", "lengths")

    def __init__(self, db: Database | None = None) -> None:
        db = db or load_dbc()
        self._messages: dict[int, Message] = {m.frame_id: m for m in db.messages}
        self.lengths: dict[int, int] = {m.frame_id: m.length for m in db.messages}
        """Expected payload length of every id in the DBC."""
        self._last: dict[int, tuple[bytes | bytearray, Signals]] = {}

    def message(self, frame_id: int) -> Message:
        """The DBC message of an id (KeyError if the DBC has none)."""
        return self._messages[frame_id]

    def decode(self, frame_id: int, data: bytes | bytearray) -> Signals:
        """The signals of one frame. The dict is shared and must not be changed.

        Raises :class:`SignalError` for an unknown id or bytes the DBC cannot decode.
        """
        last = self._last.get(frame_id)
        if last is not None and last[0] == data:
            return last[1]
        message = self._messages.get(frame_id)
        if message is None:
            raise SignalError(f"id 0x{frame_id:03X} is not in the DBC")
        try:
            decoded = message.decode(bytes(data), decode_choices=False)
        except (ValueError, KeyError, IndexError) as exc:
            raise SignalError(f"cannot decode 0x{frame_id:03X} {bytes(data).hex()}: {exc}") from exc
        if not isinstance(decoded, dict):
            raise SignalError(f"0x{frame_id:03X} is a container message, not ours")
        signals: Signals = {k: v for k, v in decoded.items() if isinstance(v, int | float)}
        self._last[frame_id] = (bytes(data), signals)
        return signals
