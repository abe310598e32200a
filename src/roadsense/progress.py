"""How long work reports its progress: one callable type, for every part.

``progress(stage, done, total)``: the stage's name (a table, ``simulate``, ``analyze``...),
the units done and the units to do. The terminal draws one bar per stage
(:mod:`roadsense.cli.progress`); a caller that wants no bars passes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""
