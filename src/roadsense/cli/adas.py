"""``roadsense adas``: the software warning engine on recorded tracks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import typer

from roadsense.cli.errors import err_console, fail

app = typer.Typer(no_args_is_help=True)


@app.command("replay")
def replay_command(
    track: Path = typer.Argument(..., help="Frames, one JSON object per line (JSONL)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write the warning lines here instead of to stdout."
    ),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Skip and count unreadable lines instead of stopping."
    ),
) -> None:
    """Run the warning engine over a track; one JSON line per warning onset."""
    from roadsense.edge.adas import ReplayError, replay

    try:
        source = track.open(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {track}: {exc.strerror or exc}")
    with source:
        try:
            sink: TextIO = out.open("w", encoding="utf-8") if out is not None else sys.stdout
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror or exc}")
        try:
            stats = replay(source, sink, skip_bad=skip_bad)
        except ReplayError as exc:
            fail(f"{track}: {exc} (use --skip-bad to skip such lines)")
        except UnicodeDecodeError as exc:
            fail(f"{track}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        finally:
            if out is not None:
                sink.close()
    summary = f"{stats.frames} frames, {stats.warnings} warnings"
    if stats.skipped:
        summary += f", {stats.skipped} bad lines skipped"
        for number, reason in stats.bad_lines:
            err_console.print(f"skipped line {number}: {reason}", markup=False, highlight=False)
    err_console.print(summary, markup=False, highlight=False)
