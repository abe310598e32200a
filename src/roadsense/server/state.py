"""What the running app holds: its settings and its store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from roadsense.server.settings import Settings
from roadsense.store import Store


@dataclass
class AppState:
    """Shared by every request of one app."""

    settings: Settings
    store: Store
    roads_path: Path


def get_state(request: Request) -> AppState:
    """The app state of the request's app."""
    state: AppState = request.app.state.roadsense
    return state
