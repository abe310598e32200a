"""A full outbox: positions make room, events stay, a clear report and a clear error.

The limit is SQLite's own (``PRAGMA max_page_count`` under ``max_bytes``): the outbox meets
the real "database or disk is full" error, the one a full disk gives.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from roadsense.edge.transport import Gateway, Outbox
from roadsense.edge.transport.disk_policy import OutboxFullError
from roadsense.edge.transport.outbox_reports import ERROR_OUTBOX_FULL, ERROR_RECORDS_REFUSED
from roadsense.schema import AdasEvent, AnyRecord, DeviceStatus, Position, Record

from .factories import event, position
from .scripted_server import TOKEN, ScriptedServer

RECORD = TypeAdapter[AnyRecord](Record)
LIMIT = 512 * 1024


def drain(outbox: Outbox) -> list[AnyRecord]:
    out: list[AnyRecord] = []
    while (batch := outbox.next_batch(1000)) is not None:
        out.extend(RECORD.validate_json(item) for item in batch.items_json)
        outbox.mark_sent(batch.batch_id)
    return out


def fill(outbox: Outbox, minutes: int) -> list[AnyRecord]:
    """A minute at a time: a warning and 60 fixes."""
    added: list[AnyRecord] = []
    for m in range(minutes):
        chunk: list[AnyRecord] = [event(m, tag="full")]
        chunk += [position(m * 60 + s) for s in range(60)]
        assert outbox.add(chunk) == len(chunk)
        added += chunk
    return added


def test_full_outbox_drops_the_oldest_positions_and_keeps_every_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="roadsense.edge.transport")
    with Outbox(tmp_path / "o.db", "gw-1", max_bytes=LIMIT) as outbox:
        added = fill(outbox, 60)  # an hour: ~3,600 records, about twice what fits
        stats = outbox.stats()
        assert stats.positions_dropped > 1000
        assert stats.times_full >= 1
        assert stats.records_refused == 0
        assert stats.size_bytes <= LIMIT
        assert (tmp_path / "o.db").stat().st_size <= LIMIT
        out = drain(outbox)
    events = [r for r in added if isinstance(r, AdasEvent)]
    fixes = [r for r in added if isinstance(r, Position)]
    assert [r for r in out if isinstance(r, AdasEvent)] == events  # all, in order
    kept = [r for r in out if isinstance(r, Position)]
    assert kept == fixes[-len(kept) :], "the newest positions stay, the oldest go"
    assert len(fixes) - len(kept) == stats.positions_dropped
    (report,) = [r for r in out if isinstance(r, DeviceStatus)]  # one report, kept up to date
    assert report.vehicle_id == "taxi-1"
    assert report.error_codes == [ERROR_OUTBOX_FULL]
    assert report.counters["positions_dropped"] == stats.positions_dropped
    assert report.counters["outbox_full"] == stats.times_full
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("full" in m and "dropped" in m for m in errors), errors
    assert len(errors) == 1, "logged once a minute, not for every add"


def test_one_large_add_meets_sqlites_own_full_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="roadsense.edge.transport")
    with Outbox(tmp_path / "o.db", "gw-1", max_bytes=LIMIT) as outbox:
        fill(outbox, 20)
        warnings = [event(10_000 + i, tag="big") for i in range(10)]
        fixes = [position(100_000 + i) for i in range(1500)]
        assert outbox.add([*warnings, *fixes]) == 1510
        assert any("database or disk is full" in r.getMessage() for r in caplog.records)
        out = drain(outbox)
    assert {r.event_id for r in out if isinstance(r, AdasEvent)} >= {r.event_id for r in warnings}
    assert [r for r in out if isinstance(r, Position)][-1500:] == fixes


def fill_with_events(outbox: Outbox, tag: str) -> int:
    """Add events until not even one more fits; how many were stored."""
    n = 0
    for size in (50, 1):
        try:
            while True:
                outbox.add([event(n + i, tag=tag) for i in range(size)])
                n += size
        except OutboxFullError:
            pass
    return n


def test_when_no_old_position_is_left_the_new_positions_give_way_to_events(
    tmp_path: Path,
) -> None:
    with Outbox(tmp_path / "o.db", "gw-1", max_bytes=LIMIT) as outbox:
        n = fill_with_events(outbox, "only")
        batch = outbox.next_batch(100)  # the server takes 100: room for a few more events
        assert batch is not None
        outbox.mark_sent(batch.batch_id)
        mixed = [event(10**6 + i, tag="m") for i in range(3)] + [position(i) for i in range(2000)]
        stored = outbox.add(mixed)
        stats = outbox.stats()
        out = drain(outbox)
    assert stored == 3
    assert stats.positions_dropped == 2000
    got = [r.event_id for r in out if isinstance(r, AdasEvent)]
    assert got == [event(i, tag="only").event_id for i in range(100, n)] + [
        r.event_id for r in mixed if isinstance(r, AdasEvent)
    ]
    assert not [r for r in out if isinstance(r, Position)]


def test_events_that_do_not_fit_are_refused_whole_and_reported_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "o.db"
    with Outbox(path, "gw-1", max_bytes=LIMIT) as outbox:
        n = fill_with_events(outbox, "r")
        before = outbox.stats()
        refused = [event(10**5 + i, tag="r") for i in range(40)] + [position(1)]
        with pytest.raises(OutboxFullError, match="full") as error:
            outbox.add(refused)
        assert (error.value.records, error.value.events) == (41, 40)
        assert "refused 41 records (40 events)" in caplog.text
        stats = outbox.stats()
        assert stats.records_refused == before.records_refused + 41
        assert stats.pending_records == before.pending_records == n  # nothing half-added
        assert stats.size_bytes <= LIMIT
        # drain: once a batch frees room, the refusals reach the server too
        out = drain(outbox)
        assert outbox.add([event(10**6, tag="after")]) == 1  # room again
    reports = [r for r in out if isinstance(r, DeviceStatus)]
    assert len(reports) == 1
    assert reports[0].error_codes == [ERROR_RECORDS_REFUSED]
    assert reports[0].counters["records_refused"] == stats.records_refused
    ids = [r.event_id for r in out if isinstance(r, AdasEvent)]
    assert ids == [event(i, tag="r").event_id for i in range(n)]
    con = sqlite3.connect(path)  # nothing of the refused add is in the file
    try:
        bodies = [b for (b,) in con.execute("SELECT body FROM records")]
        assert len(bodies) == 1
        assert str(event(10**6, tag="after").event_id) in bodies[0]
    finally:
        con.close()


def test_a_full_outbox_still_forms_batches_and_drains(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1", max_bytes=LIMIT) as outbox:
        fill(outbox, 60)
        pending = outbox.stats().pending_records
        sizes: list[int] = []
        while (batch := outbox.next_batch(1000)) is not None:  # forming at the limit works
            sizes.append(len(batch.items_json))
            outbox.mark_sent(batch.batch_id)
        assert sizes[0] == 1000
        assert sum(sizes) == pending
        assert outbox.stats().pending_records == 0


def test_the_limit_survives_a_restart_and_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with pytest.raises(ValueError, match="too small"):
        Outbox(path, "gw-1", max_bytes=64 * 1024)
    with Outbox(path, "gw-1") as outbox:  # no limit: grows past it
        fill(outbox, 60)
        assert outbox.stats().size_bytes > LIMIT
    with Outbox(path, "gw-1", max_bytes=LIMIT) as outbox:  # limit lowered: adds make room
        outbox.add([event(999, tag="late")])
        stats = outbox.stats()
        assert stats.size_bytes <= LIMIT
        assert stats.positions_dropped > 0
        assert stats.max_bytes == LIMIT


def test_gateway_reports_a_full_outbox_to_the_server(
    tmp_path: Path, server: ScriptedServer
) -> None:
    with Gateway(
        tmp_path / "o.db",
        "gw-1",
        server.url,
        TOKEN,
        vehicle_id="taxi-1",
        max_bytes=LIMIT,
        rate_limit=None,
    ) as gw:
        for m in range(60):
            gw.submit([event(m, tag="gw"), *(position(m * 60 + s) for s in range(60))])
        dropped = gw.stats().positions_dropped
        assert dropped > 0
        gw.uploader.run(__import__("threading").Event(), until_empty=True)
    statuses = [i for i in server.stored_items() if i["kind"] == "status"]
    assert len(statuses) == 1
    assert statuses[0]["error_codes"] == [ERROR_OUTBOX_FULL]
    assert statuses[0]["counters"]["positions_dropped"] == dropped
    events = [i for i in server.stored_items() if i["kind"] == "event"]
    assert len(events) == 60
