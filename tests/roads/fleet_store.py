"""A store filled with a simulated fleet's uploads, matched; shared by roads and analytics tests."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from roadsense.roads.service import CityRoads
from roadsense.roads.store_sync import MatchRun, import_network, match_new
from roadsense.schema import Batch, Record
from roadsense.sim import SimResult, load_vehicle_records
from roadsense.store import Store


def upload(store: Store, items: list[Record], device: str = "gw", size: int = 500) -> None:
    """Ingest records in batches of ``size``."""
    for i in range(0, len(items), size):
        store.ingest(Batch(batch_id=uuid.uuid4(), device_id=device, items=items[i : i + size]))


def fill(store: Store, run: SimResult, city: CityRoads) -> MatchRun:
    """Upload every taxi's records, import the network and match."""
    for vid in run.vehicle_ids:
        upload(store, list(load_vehicle_records(run.out_dir, vid)), device=f"gw-{vid}")
    import_network(store, city.network)
    return match_new(store, city.matcher())


def shared_segment(store: Store, vehicles: int = 3) -> tuple[str, dict[str, datetime]]:
    """A segment several taxis drove on, and when each first was on it (mid-visit)."""
    visits: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for fix in store.segment_fixes():
        visits[fix.segment_id][fix.vehicle_id].append(fix.ts)
    best = max(visits, key=lambda s: (len(visits[s]), s))
    assert len(visits[best]) >= vehicles, "the small fleet shares no segment"
    times = {v: ts[len(ts) // 2] for v, ts in visits[best].items()}
    return best, times
