"""The one base of every error roadsense raises on purpose.

Each part keeps its own error classes (``StoreError``, ``SimError``, ``CanInputError``
...); all of them derive from :class:`RoadsenseError`, so a caller that only needs to say
"that did not work, and why" catches one class. The command line turns a
``RoadsenseError`` into one line on stderr and exit status 2 (see ``roadsense.cli.main``).

This module imports nothing of ours, so every part may import it.
"""

from __future__ import annotations


class RoadsenseError(Exception):
    """An error of ours whose message is meant for the person at the keyboard."""
