"""Reading analysts' CSV files: required columns, typed values, every bad row reported."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadsense.errors import RoadsenseError


class TableError(RoadsenseError, ValueError):
    """A CSV file cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Column:
    """A column an input file must have, and how to read its values."""

    name: str
    parse: Callable[[str], Any]
    description: str


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{text!r} is not a finite number >= 0")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = non_negative_float(text)
    if value == 0:
        raise ValueError("must be greater than 0")
    return value


def text_value(text: str) -> str:
    """A non-empty string."""
    if not text.strip():
        raise ValueError("is empty")
    return text.strip()


def read_table(path: Path, columns: Sequence[Column], max_errors: int = 20) -> list[dict[str, Any]]:
    """Rows of a CSV file with the required columns parsed; extra columns are kept as text.

    Raises :class:`TableError` naming the missing columns, or every bad row (line number,
    column, value and why) up to ``max_errors``: nothing is silently dropped.
    """
    if not path.is_file():
        raise TableError(f"file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c.name for c in columns if c.name not in header]
            if missing:
                needed = ", ".join(f"{c.name} ({c.description})" for c in columns)
                raise TableError(
                    f"{path}: missing column(s) {', '.join(missing)}; the file needs: {needed}"
                )
            reader.fieldnames = header
            rows: list[dict[str, Any]] = []
            problems: list[str] = []
            for row in reader:
                line = reader.line_num
                parsed: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k}
                if None in row:
                    problems.append(f"line {line}: more values than columns")
                    continue
                for column in columns:
                    raw = parsed.get(column.name, "")
                    try:
                        parsed[column.name] = column.parse(raw)
                    except ValueError as exc:
                        problems.append(f"line {line}: {column.name}={raw!r}: {exc}")
                rows.append(parsed)
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: not a UTF-8 text file ({exc})") from exc
    except csv.Error as exc:
        raise TableError(f"{path}: not a readable CSV file ({exc})") from exc
    if problems:
        shown = "\n  ".join(problems[:max_errors])
        more = (
            f"\n  ... and {len(problems) - max_errors} more" if len(problems) > max_errors else ""
        )
        raise TableError(f"{path}: {len(problems)} bad value(s), nothing used:\n  {shown}{more}")
    if not rows:
        raise TableError(f"{path}: no data rows")
    return rows


def write_table(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Write rows as CSV with the given column order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
