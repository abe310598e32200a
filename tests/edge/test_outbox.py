"""The outbox: records in equal records out, events first, batches stable until acked."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from roadsense.edge.transport import Outbox
from roadsense.edge.transport.outbox_reports import ERROR_BATCH_SET_ASIDE
from roadsense.schema import AdasEvent, AnyRecord, Batch, DeviceStatus, Record

from .factories import event, position, status

RECORD = TypeAdapter[AnyRecord](Record)


def drain(outbox: Outbox, max_items: int = 1000) -> list[AnyRecord]:
    out: list[AnyRecord] = []
    while (batch := outbox.next_batch(max_items)) is not None:
        out.extend(RECORD.validate_json(item) for item in batch.items_json)
        outbox.mark_sent(batch.batch_id)
    return out


def events_first(records: list[AnyRecord]) -> list[AnyRecord]:
    return sorted(records, key=lambda r: 0 if isinstance(r, AdasEvent | DeviceStatus) else 1)


def mixed(n: int) -> list[AnyRecord]:
    makers = (position, position, event, position, status)
    return [makers[i % len(makers)](i) for i in range(n)]


def test_records_round_trip_events_first(tmp_path: Path) -> None:
    records = mixed(53)
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        assert outbox.add(records) == 53
        out = drain(outbox, max_items=7)
        assert out == events_first(records)
        assert isinstance(out[0], AdasEvent)
        assert outbox.stats().pending_records == 0
        assert outbox.stats().sent_records == 53
        assert outbox.stats().sent_batches == 8


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(st.sampled_from("pes"), max_size=60),
    max_items=st.integers(min_value=1, max_value=25),
    adds=st.integers(min_value=1, max_value=5),
)
def test_round_trip_property(tmp_path: Path, kinds: list[str], max_items: int, adds: int) -> None:
    maker: dict[str, Callable[[int], AnyRecord]] = {"p": position, "e": event, "s": status}
    records = [maker[k](i) for i, k in enumerate(kinds)]
    path = tmp_path / f"{uuid.uuid4()}.db"
    with Outbox(path, "gw-1") as outbox:
        for k in range(adds):
            outbox.add(records[k::adds])
        out = drain(outbox, max_items)
    assert sorted(r.model_dump_json() for r in out) == sorted(r.model_dump_json() for r in records)
    assert out == events_first([r for k in range(adds) for r in records[k::adds]])


def test_batch_is_offered_identically_until_marked_sent(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add(mixed(30))
        first = outbox.next_batch(10)
        assert first is not None
        outbox.add([event(1000)])  # a new event does not change the formed batch
        again = outbox.next_batch(25)
        assert again == first
        assert outbox.stats().pending_batches == 1
        outbox.mark_sent(first.batch_id)
        second = outbox.next_batch(10)
        assert second is not None
        assert second.batch_id != first.batch_id
        # mixed(30) holds 12 events; the first batch took 10, the next starts with the others
        assert RECORD.validate_json(second.items_json[2]) == event(1000)
        assert isinstance(RECORD.validate_json(second.items_json[3]), type(position(0)))


def test_nothing_pending_gives_none(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        assert outbox.next_batch() is None
        assert outbox.add([]) == 0
        assert outbox.next_batch() is None
        outbox.mark_sent(uuid.uuid4())  # unknown: ignored
        assert outbox.stats().sent_batches == 0


def test_restart_keeps_pending_batches_and_records(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    outbox = Outbox(path, "gw-1")
    outbox.add(mixed(25))
    formed = outbox.next_batch(10)
    outbox.close()
    with Outbox(path, "gw-1") as reopened:
        assert reopened.stats().pending_records == 25
        assert reopened.stats().pending_batches == 1
        assert reopened.next_batch(3) == formed
        assert formed is not None
        reopened.mark_sent(formed.batch_id)
    with Outbox(path, "gw-1") as third:
        assert third.stats().pending_records == 15
        assert third.stats().sent_batches == 1
        assert len(drain(third)) == 15


def test_database_is_durable_wal(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(1)])
        other = sqlite3.connect(tmp_path / "o.db")
        try:
            assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert other.execute("SELECT count(*) FROM records").fetchone()[0] == 1
        finally:
            other.close()
        # synchronous is per connection: read it through the outbox's own
        assert outbox._queue.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_failed_add_stores_nothing_and_leaves_the_outbox_usable(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with Outbox(path, "gw-1") as outbox:
        other = sqlite3.connect(path)
        other.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON records WHEN NEW.body LIKE '%POISON%' "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
        other.commit()
        other.close()
        with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
            outbox.add([position(1), position(2), position(3, vehicle="POISON")])
        assert outbox.stats().pending_records == 0
        assert outbox.add([position(4)]) == 1
        assert drain(outbox) == [position(4)]


def test_outbox_belongs_to_one_device(tmp_path: Path) -> None:
    Outbox(tmp_path / "o.db", "gw-1").close()
    with pytest.raises(ValueError, match="gw-1"):
        Outbox(tmp_path / "o.db", "gw-2")
    with pytest.raises(ValueError, match="pattern"):
        Outbox(tmp_path / "p.db", 'gw "1"')


def test_set_aside_batch_does_not_block(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([position(i) for i in range(10)])
        bad = outbox.next_batch(4)
        assert bad is not None
        outbox.set_aside(bad.batch_id, "422 invalid_record: lat out of range")
        report, *rest = drain(outbox)
        assert rest == [position(i) for i in range(4, 10)]
        assert isinstance(report, DeviceStatus)  # told to the server, ahead of the positions
        assert report.vehicle_id == "taxi-1"
        assert report.error_codes == [ERROR_BATCH_SET_ASIDE]
        assert report.counters["batches_set_aside"] == 1
        assert report.counters["records_set_aside"] == 4
        stats = outbox.stats()
        assert (stats.set_aside_batches, stats.set_aside_records) == (1, 4)
        (dead,) = outbox.dead_letters()
        assert dead.batch_id == bad.batch_id
        assert "lat out of range" in dead.reason
        assert json.loads(dead.items_json) == [json.loads(i) for i in bad.items_json]


def test_release_returns_records_to_the_queue(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add(mixed(10))
        batch = outbox.next_batch(10)
        assert batch is not None
        assert outbox.release(batch.batch_id) == 10
        assert outbox.release(batch.batch_id) == 0
        assert drain(outbox, 3) == events_first(mixed(10))


def test_body_is_a_valid_batch(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add(mixed(12))
        pending = outbox.next_batch()
        assert pending is not None
        batch = Batch.model_validate_json(pending.to_body("gw-1"))
    assert batch.batch_id == pending.batch_id
    assert batch.device_id == "gw-1"
    assert json.loads(pending.to_body('a"b'))["device_id"] == 'a"b'  # escaped, not spliced
    assert batch.sent_at is not None
    assert list(batch.items) == events_first(mixed(12))


def test_concurrent_producers_and_consumer(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        got: list[AnyRecord] = []
        done = threading.Event()

        def produce(k: int) -> None:
            for j in range(20):
                outbox.add([position(k * 1000 + j * 10 + i) for i in range(10)])

        def consume() -> None:
            while not (done.is_set() and outbox.stats().pending_records == 0):
                batch = outbox.next_batch(37)
                if batch is None:
                    time.sleep(0.001)
                    continue
                got.extend(RECORD.validate_json(i) for i in batch.items_json)
                outbox.mark_sent(batch.batch_id)

        producers = [threading.Thread(target=produce, args=(k,)) for k in range(4)]
        consumer = threading.Thread(target=consume)
        for t in [*producers, consumer]:
            t.start()
        for t in producers:
            t.join()
        done.set()
        consumer.join(20)
    assert sorted(r.model_dump_json() for r in got) == sorted(
        position(k * 1000 + n).model_dump_json() for k in range(4) for n in range(200)
    )


def test_hundred_thousand_positions_go_through_in_batches(tmp_path: Path) -> None:
    """100k positions in one add drain in batches of 1000 (how long: bench/edge_load.py)."""
    records = [position(i) for i in range(100_000)]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        assert outbox.add(records) == 100_000
        size = 0
        batches = 0
        while (batch := outbox.next_batch(1000)) is not None:
            assert len(batch.items_json) == 1000
            size += len(batch.to_body("gw-1"))
            outbox.mark_sent(batch.batch_id)
            batches += 1
        stats = outbox.stats()
    assert batches == 100
    assert stats.sent_records == 100_000
    assert stats.sent_batches == 100
    assert stats.pending_records == 0
    assert size > 100_000 * 100
