"""Subcommands loaded when they run, and errors of ours turned into one line.

``roadsense --help`` lists every subcommand from the table in ``roadsense.cli.main``
without importing any of them, and ``roadsense edge run`` imports the gateway's modules
only, not the city platform's statistics, dataframes or databases. A subcommand whose
libraries are not installed (the gateway installs alone, see docs/gateway.md) says in
one line which extra brings them.

:class:`LazyGroup` is also the one place where a :class:`~roadsense.errors.RoadsenseError`
raised by any command becomes ``error: <message>`` on stderr and exit status 2.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

from roadsense.cli.errors import ERROR_EXIT, fail
from roadsense.errors import RoadsenseError

if TYPE_CHECKING:
    # typer (>= 0.29) carries its own copy of click; these are its types
    from typer import _click as click


@dataclass(frozen=True)
class Extra:
    """An optional part of the install (``pip install 'roadsense[<name>]'``)."""

    name: str
    """The extra's name in pyproject.toml, e.g. ``city``."""
    what: str
    """What it brings, in words: ``the city platform``."""


@dataclass(frozen=True)
class LazyCommand:
    """A subcommand of ``roadsense``, imported only when it is run (or asked for help)."""

    name: str
    target: str
    """``module:attribute``: a ``typer.Typer`` (a group) or a command function."""
    help: str
    needs: Extra | None = None
    """The extra its libraries come with; None for the gateway's own commands."""

    def load(self) -> click.Command:
        """Import the module and build the click command."""
        module_name, _, attribute = self.target.partition(":")
        target = getattr(importlib.import_module(module_name), attribute)
        if isinstance(target, typer.Typer):
            command: click.Command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
            single.command(self.name, help=self.help)(target)
            command = typer.main.get_command(single)
        command.name = self.name
        if not command.help:
            command.help = self.help
        return command


class MissingExtraError(RoadsenseError):
    """A subcommand needs a library that this install left out."""


def missing_extra(command: LazyCommand | None, module: str) -> MissingExtraError:
    """The one-line error for ``command`` when the library ``module`` is not installed."""
    if command is None or command.needs is None:
        return MissingExtraError(f"the library {module!r} is not installed")
    return MissingExtraError(
        f"roadsense {command.name} needs {command.needs.what}: "
        f"pip install 'roadsense[{command.needs.name}]' (no module named {module!r})"
    )


def _third_party(exc: ModuleNotFoundError) -> str | None:
    """The missing module's top-level name, unless it is one of ours (a bug, not an extra)."""
    top = (exc.name or "").partition(".")[0]
    return None if not top or top == "roadsense" else top


class LazyGroup(TyperGroup):
    """A typer group whose subcommands (``lazy_commands``) are imported on first use."""

    lazy_commands: ClassVar[Sequence[LazyCommand]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._specs = {c.name: c for c in self.lazy_commands}
        self._listing = False
        self._imported: set[str] = set()
        for spec in self.lazy_commands:
            # a stand-in with the help text, until the real command is loaded
            self.commands.setdefault(spec.name, TyperCommand(spec.name, help=spec.help))

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The subcommands in the order of the table."""
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand, imported now unless only its help line is wanted."""
        spec = self._specs.get(cmd_name)
        if spec is None or self._listing or cmd_name in self._imported:
            return self.commands.get(cmd_name)
        try:
            command = spec.load()
        except ModuleNotFoundError as exc:
            module = _third_party(exc)
            if module is None:
                raise
            raise missing_extra(spec, module) from exc
        self.commands[cmd_name] = command
        self._imported.add(cmd_name)
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Help that lists the subcommands from the table, importing none of them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; an error of ours is one line on stderr and exit status 2."""
        try:
            return super().invoke(ctx)
        except RoadsenseError as exc:
            fail(str(exc), ERROR_EXIT)
        except ModuleNotFoundError as exc:
            module = _third_party(exc)
            if module is None:
                raise
            fail(str(missing_extra(self._specs.get(ctx.invoked_subcommand or ""), module)))
