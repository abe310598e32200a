"""The store's own schema, created and versioned by the project."""

from __future__ import annotations

from importlib import resources
from typing import Protocol


class _Executor(Protocol):
    def execute(self, query: str, parameters: object = ..., /) -> object: ...


def migration_scripts(backend: str) -> list[tuple[int, str]]:
    """(version, SQL) for every migration of a backend, in order."""
    folder = resources.files("roadsense.store") / "migrations" / backend
    scripts = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql"):
            scripts.append((int(name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(scripts)


def latest_version(backend: str) -> int:
    """The newest schema version this code knows."""
    return max(version for version, _ in migration_scripts(backend))
