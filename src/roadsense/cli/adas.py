"""``roadsense adas``: the software warning engine on recorded tracks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

from roadsense.cli.errors import err_console, fail

if TYPE_CHECKING:
    from roadsense.edge.adas import AdasConfig, ReplayStats

app = typer.Typer(no_args_is_help=True)

TRACK_SUFFIX = ".jsonl"
"""The tracks of a folder: its files with this suffix, in name order."""


def track_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Each track to replay and its tag: a file as given, or a folder's ``*.jsonl`` files
    (not its subfolders) in name order, tagged with their names."""
    tracks: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == TRACK_SUFFIX and p.is_file())
            if not found:
                fail(f"{path}: no {TRACK_SUFFIX} tracks in this folder")
            tracks.extend((p, p.name) for p in found)
        else:
            tracks.append((path, str(path)))
    return tracks


def _replay_one(
    path: Path, sink: TextIO, config: AdasConfig, skip_bad: bool, tag: str | None
) -> ReplayStats:
    from roadsense.edge.adas import ReplayError, replay

    try:
        source = path.open(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    with source:
        try:
            return replay(source, sink, config, skip_bad=skip_bad, track=tag)
        except ReplayError as exc:
            fail(f"{path}: {exc} (use --skip-bad to skip such lines)")
        except UnicodeDecodeError as exc:
            fail(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")


@app.command("replay")
def replay_command(
    tracks: list[Path] = typer.Argument(
        ...,
        help="Tracks (frames, one JSON object per line) or folders of *.jsonl tracks.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the warning lines here instead of to stdout."
    ),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Skip and count unreadable lines instead of stopping."
    ),
) -> None:
    """Run the warning engine over tracks; one JSON line per warning onset.

    With several tracks (or a folder) every line names its track first
    (``{"track": "a.jsonl", "t": ...}``); all run in this one process, each with an engine
    of its own.
    """
    from roadsense.edge.adas import AdasConfig

    files = track_files(tracks)
    tagged = len(files) > 1 or any(path.is_dir() for path in tracks)
    config = AdasConfig()
    try:
        sink: TextIO = out.open("w", encoding="utf-8") if out is not None else sys.stdout
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    frames = warnings = 0
    try:
        for path, tag in files:
            stats = _replay_one(path, sink, config, skip_bad, tag if tagged else None)
            frames += stats.frames
            warnings += stats.warnings
            if stats.skipped:
                where = f"{tag}: " if tagged else ""
                err_console.print(
                    f"{where}{stats.skipped} bad lines skipped", markup=False, highlight=False
                )
                for number, reason in stats.bad_lines:
                    err_console.print(
                        f"{where}skipped line {number}: {reason}", markup=False, highlight=False
                    )
    finally:
        if out is not None:
            sink.close()
    summary = f"{frames} frames, {warnings} warnings"
    if tagged:
        summary = f"{len(files)} tracks, " + summary
    err_console.print(summary, markup=False, highlight=False)
