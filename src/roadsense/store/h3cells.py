"""H3 cell ids as 64-bit integers, and their parents computed in SQL."""

from __future__ import annotations

import h3.api.basic_int as h3int

FINE_H3_RESOLUTION = 12
"""Resolution of the H3 cell the store keeps with every position and event (about 9 m)."""


def fine_cell(lat: float, lon: float) -> int:
    """The store's fine H3 cell of a point, as an unsigned 64-bit integer."""
    return int(h3int.latlng_to_cell(lat, lon, FINE_H3_RESOLUTION))


def parent_sql(column: str, resolution: int) -> str:
    """SQL for the parent at ``resolution`` of the H3 cell integers in ``column``.

    An H3 index keeps its resolution in bits 52-55 and one 3-bit digit per resolution
    below that; the parent has the coarser resolution and the finer digits all set to 7.
    """
    if not 0 <= resolution <= FINE_H3_RESOLUTION:
        raise ValueError(f"H3 resolution must be 0-{FINE_H3_RESOLUTION}, not {resolution}")
    unused = (1 << (3 * (15 - resolution))) - 1
    keep = ~(0xF << 52) & 0xFFFFFFFFFFFFFFFF
    return f"(({column} & {keep}::UBIGINT) | {resolution << 52}::UBIGINT | {unused}::UBIGINT)"


SIGNED_CELL_MASK = 0x7FFF_FFFF_FFFF_FFFF
"""The bits an H3 cell uses (bit 63 is always 0), so that a cell fits a signed 64-bit int."""


def parent_masks(resolution: int, cell_mask: int = SIGNED_CELL_MASK) -> tuple[int, int]:
    """``(keep, set_bits)``: the parent at ``resolution`` of a finer cell is
    ``(cell & keep) | set_bits`` (see :func:`parent_sql`), for engines that do the bit
    arithmetic outside SQL (Apache Spark's columns)."""
    if not 0 <= resolution <= FINE_H3_RESOLUTION:
        raise ValueError(f"H3 resolution must be 0-{FINE_H3_RESOLUTION}, not {resolution}")
    unused = (1 << (3 * (15 - resolution))) - 1
    return ~(0xF << 52) & cell_mask, (resolution << 52) | unused
