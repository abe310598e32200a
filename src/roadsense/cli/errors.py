"""Clear one-line errors for the command line."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

err_console = Console(stderr=True, soft_wrap=True)

ERROR_EXIT = 2
"""The exit status of a command that failed with an error it explains (as click's usage
errors)."""


def fail(message: str, code: int = ERROR_EXIT) -> NoReturn:
    """Print ``error: <message>`` on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)
