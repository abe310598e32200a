"""The lake's error: a target it cannot write, or a lake it does not understand."""

from __future__ import annotations

from roadsense.errors import RoadsenseError


class LakeError(RoadsenseError):
    """The lake cannot be written or read as asked."""
