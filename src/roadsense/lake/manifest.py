"""The lake's manifest: which day of which table was exported, with how many rows.

One JSON file at the lake's root (``_roadsense_lake.json``), replaced whole after each
partition is in place. A partition whose store count, upload schema version or source
(for map matches: the road network's digest) differs from its entry is written again; the
manifest is what makes a second export add nothing.

Small tables (the fleet memberships) are held whole, one file each, replaced when their
content (its digest) changed; their entries are under ``whole``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from roadsense.lake.errors import LakeError

MANIFEST_NAME = "_roadsense_lake.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Partition:
    """One exported day of one table."""

    rows: int
    upload_schema_version: int
    derived_from: str = ""
    """For the match tables, the digest of the road network matched on ("" otherwise)."""


@dataclass(frozen=True)
class WholeFile:
    """One small table held whole."""

    rows: int
    upload_schema_version: int
    digest: str
    """SHA-256 of the rows written: the file is replaced when the store's rows differ."""


@dataclass
class Manifest:
    """What the lake holds, per table and UTC day, and the tables held whole."""

    upload_schema_version: int
    tables: dict[str, dict[date, Partition]] = field(default_factory=dict)
    whole: dict[str, WholeFile] = field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest as the JSON text stored in the lake."""
        return json.dumps(
            {
                "format": MANIFEST_FORMAT,
                "upload_schema_version": self.upload_schema_version,
                "tables": {
                    table: {
                        day.isoformat(): {
                            "rows": p.rows,
                            "upload_schema_version": p.upload_schema_version,
                            **({"derived_from": p.derived_from} if p.derived_from else {}),
                            "file": partition_file(table, day),
                        }
                        for day, p in sorted(days.items())
                    }
                    for table, days in sorted(self.tables.items())
                },
                **(
                    {
                        "whole": {
                            table: {
                                "rows": w.rows,
                                "upload_schema_version": w.upload_schema_version,
                                "digest": w.digest,
                                "file": whole_file(table),
                            }
                            for table, w in sorted(self.whole.items())
                        }
                    }
                    if self.whole
                    else {}
                ),
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Read a manifest; a lake of a newer format is refused rather than overwritten."""
        try:
            data: dict[str, Any] = json.loads(text)
            if data.get("format", 0) > MANIFEST_FORMAT:
                raise LakeError(
                    f"{where} was written by a newer roadsense (lake format "
                    f"{data['format']}); upgrade roadsense"
                )
            tables = {
                table: {
                    date.fromisoformat(day): Partition(
                        int(p["rows"]),
                        int(p["upload_schema_version"]),
                        str(p.get("derived_from", "")),
                    )
                    for day, p in days.items()
                }
                for table, days in data["tables"].items()
            }
            whole = {
                table: WholeFile(int(w["rows"]), int(w["upload_schema_version"]), str(w["digest"]))
                for table, w in data.get("whole", {}).items()
            }
            return cls(int(data["upload_schema_version"]), tables, whole)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LakeError(f"{where} is not a roadsense lake manifest: {exc}") from exc


def partition_dir(table: str, day: date) -> str:
    """The folder of one day of one table, relative to the lake's root (Hive style)."""
    return f"{table}/day={day.isoformat()}"


def partition_file(table: str, day: date) -> str:
    """The one Parquet file of a partition, relative to the lake's root."""
    return f"{partition_dir(table, day)}/part-00000.parquet"


def whole_file(table: str) -> str:
    """The one Parquet file of a table held whole, relative to the lake's root."""
    return f"{table}/part-00000.parquet"
