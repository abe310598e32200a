"""Bulk provisioning: a CSV of gateways in, a CSV of their tokens out (mode 0600).

An installer fitting a city's fleet provisions every gateway at once: one transaction
for all of them (all or none), one token made per gateway, and the tokens written to a
file only its owner can read, once, to be loaded onto the gateways.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import TypeAdapter, ValidationError

from roadsense.accounts.provisioning import AccountError
from roadsense.accounts.tokens import hash_token, new_token
from roadsense.schema.records import Identifier
from roadsense.store import DeviceToAdd, Store

COLUMNS = ("device_id", "vehicle_id")
OPTIONAL_COLUMNS = ("fleet_id",)
TOKEN_COLUMNS = ("device_id", "vehicle_id", "token")
_IDENTIFIER: TypeAdapter[str] = TypeAdapter(Identifier)


@dataclass(frozen=True)
class DeviceRow:
    """One gateway to provision: its vehicle, and the vehicle's fleet when given."""

    device_id: str
    vehicle_id: str
    fleet_id: str | None = None


def read_device_csv(path: Path) -> list[DeviceRow]:
    """The rows of a ``device_id,vehicle_id[,fleet_id]`` CSV; :class:`AccountError`
    naming every bad line (up to 20) otherwise."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise AccountError(f"{path}: missing column(s) {', '.join(missing)}")
            reader.fieldnames = header
            rows: list[DeviceRow] = []
            errors: list[str] = []
            for values in reader:
                try:
                    rows.append(_row(values))
                except ValueError as exc:
                    errors.append(f"line {reader.line_num}: {exc}")
    except OSError as exc:
        raise AccountError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise AccountError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except csv.Error as exc:
        raise AccountError(f"{path}: not a readable CSV file ({exc})") from None
    if errors:
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise AccountError(
            f"{path}: {len(errors)} bad row(s):\n  " + "\n  ".join(errors[:20]) + more
        )
    return rows


def _row(values: dict[str | None, str | None]) -> DeviceRow:
    if None in values:
        raise ValueError("more fields than the header")
    ids: dict[str, str | None] = {}
    for column in (*COLUMNS, *OPTIONAL_COLUMNS):
        text = (values.get(column) or "").strip()
        if not text:
            if column in COLUMNS:
                raise ValueError(f"empty {column}")
            ids[column] = None
            continue
        try:
            ids[column] = _IDENTIFIER.validate_python(text)
        except ValidationError:
            raise ValueError(
                f"{column} {text!r} is not an id (1-64 letters, digits and _ . : -)"
            ) from None
    return DeviceRow(ids["device_id"] or "", ids["vehicle_id"] or "", ids["fleet_id"])


def open_token_file(path: Path) -> IO[str]:
    """A new file only its owner can read or write (mode 0600); never overwrites one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AccountError(f"{path} already exists; choose another file for the tokens") from None
    except OSError as exc:
        raise AccountError(f"cannot create {path}: {exc.strerror or exc}") from None
    os.fchmod(fd, 0o600)  # whatever the umask
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


def provision_devices(store: Store, rows: list[DeviceRow], out: IO[str]) -> int:
    """Provision every row in one transaction (all or none) and write
    ``device_id,vehicle_id,token`` to ``out``; how many were provisioned."""
    tokens = [new_token() for _ in rows]
    added = store.add_devices(
        [
            DeviceToAdd(r.device_id, r.vehicle_id, hash_token(t), r.fleet_id)
            for r, t in zip(rows, tokens, strict=True)
        ]
    )
    writer = csv.writer(out)
    writer.writerow(TOKEN_COLUMNS)
    writer.writerows((r.device_id, r.vehicle_id, t) for r, t in zip(rows, tokens, strict=True))
    out.flush()
    return added
