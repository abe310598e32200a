"""Where the lake lives: a local folder or an object-store URL (Arrow's filesystems).

Files are written under ``_tmp/`` at the lake's root and moved into place when whole, so
that a reader (or a crash) never sees half a file: on a local disk the move is an atomic
rename; on an object store it is a copy, and an object appears only once complete. Readers
of the lake skip ``_``-prefixed paths, as Spark and Arrow datasets do by default.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs

from roadsense.lake.errors import LakeError

TEMP_DIR = "_tmp"


@dataclass(frozen=True)
class LakeTarget:
    """The filesystem and root folder of a lake."""

    fs: pafs.FileSystem
    root: str
    shown: str
    """The target as given, for messages."""

    @classmethod
    def open(cls, target: str, *, create: bool = True) -> LakeTarget:
        """The lake at ``target``, its root folder created if missing (unless not
        ``create``: for readers); :class:`LakeError` (one line) when it cannot be used."""
        try:
            if "://" in target:
                fs, root = pafs.FileSystem.from_uri(target)
            else:
                fs, root = pafs.LocalFileSystem(), str(Path(target).resolve())
            root = root.rstrip("/") or "/"
            info = fs.get_file_info(root)
            if info.type == pafs.FileType.File:
                raise LakeError(f"the lake target {target} is a file, not a folder")
            if create:
                fs.create_dir(root, recursive=True)
                fs.create_dir(f"{root}/{TEMP_DIR}", recursive=True)
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise LakeError(f"cannot use {target} as the lake: {_first_line(exc)}") from exc
        return cls(fs, root, target)

    def path(self, relative: str) -> str:
        """The full path of ``relative`` inside the lake."""
        return f"{self.root}/{relative}"

    def temp_path(self, suffix: str) -> str:
        """A fresh name under the lake's temporary folder."""
        return self.path(f"{TEMP_DIR}/{uuid.uuid4().hex}{suffix}")

    def clear_temp(self) -> None:
        """Remove what an interrupted export left in the temporary folder."""
        self.fs.delete_dir_contents(self.path(TEMP_DIR), missing_dir_ok=True)

    def temp_files(self) -> list[str]:
        """What the temporary folder holds (empty after a finished export)."""
        selector = pafs.FileSelector(self.path(TEMP_DIR), allow_not_found=True)
        return [i.path for i in self.fs.get_file_info(selector)]

    def read_text(self, relative: str) -> str | None:
        """The text of a file in the lake, or None where there is none."""
        path = self.path(relative)
        if self.fs.get_file_info(path).type != pafs.FileType.File:
            return None
        with self.fs.open_input_stream(path) as f:
            return bytes(f.read()).decode("utf-8")

    def put_text(self, relative: str, text: str) -> None:
        """Replace a file in the lake whole (written aside, then moved into place)."""
        temp = self.temp_path(".json")
        with self.fs.open_output_stream(temp) as f:
            f.write(text.encode("utf-8"))
        self.fs.move(temp, self.path(relative))

    def move_into_place(self, temp: str, relative: str) -> None:
        """Move a finished temporary file to ``relative``, replacing what was there."""
        final = self.path(relative)
        self.fs.create_dir(final.rsplit("/", 1)[0], recursive=True)
        self.fs.move(temp, final)

    def remove_dir(self, relative: str) -> None:
        """Delete a folder of the lake and what it holds (nothing if it is missing)."""
        path = self.path(relative)
        if self.fs.get_file_info(path).type == pafs.FileType.Directory:
            self.fs.delete_dir(path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
