"""The bounded write queue: full means StoreBusy at once, never unbounded waiting."""

from __future__ import annotations

import asyncio
import threading

import pytest

from roadsense.schema import Batch
from roadsense.store import IngestResult, StoreBusy, StoreError
from roadsense.store.writer import GroupWriter
from tests.factories import batch, position


class GatedCommit:
    """Commits only when let through, recording what it was given (a real queue under test;
    the commit is the part held back)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.groups: list[list[Batch]] = []

    def __call__(self, batches: list[Batch]) -> list[IngestResult]:
        self.entered.set()
        self.gate.wait(30)
        self.groups.append(batches)
        if any(b.device_id == "gw-bad" for b in batches):
            raise ValueError("refused")
        return [IngestResult(b.batch_id, "stored") for b in batches]


def test_a_full_queue_refuses_at_once_and_drains_later() -> None:
    commit = GatedCommit()
    writer = GroupWriter("test-writer", commit, capacity=3, max_group=10)
    try:
        first = writer.submit(batch([position()]))
        assert commit.entered.wait(10)  # the writer holds the first, the queue is empty
        queued = [writer.submit(batch([position()])) for _ in range(3)]
        assert writer.depth() == 3
        with pytest.raises(StoreBusy) as busy:
            writer.submit(batch([position()]))
        assert 1 <= busy.value.retry_after_s <= 30
        commit.gate.set()
        for future in [first, *queued]:
            assert future.result(timeout=10).status == "stored"
        assert [len(g) for g in commit.groups] == [1, 3]  # the three went in one commit
    finally:
        commit.gate.set()
        writer.close()


def test_a_failing_group_is_retried_one_by_one() -> None:
    commit = GatedCommit()
    writer = GroupWriter("test-writer", commit, capacity=10, max_group=10)
    try:
        hold = writer.submit(batch([position()]))
        assert commit.entered.wait(10)
        good = writer.submit(batch([position()]))
        bad = writer.submit(batch([position()], device="gw-bad"))
        commit.gate.set()
        assert hold.result(timeout=10).status == "stored"
        assert good.result(timeout=10).status == "stored"
        with pytest.raises(StoreError, match="could not be stored"):
            bad.result(timeout=10)
    finally:
        commit.gate.set()
        writer.close()


def test_a_closed_writer_takes_nothing() -> None:
    writer = GroupWriter("test-writer", GatedCommit(), capacity=1)
    writer.close()
    with pytest.raises(StoreError, match="closed"):
        writer.submit(batch([position()]))


def test_under_load_the_writer_lingers_to_commit_more_at_once() -> None:
    commit = GatedCommit()
    writer = GroupWriter("test-writer", commit, capacity=10, max_group=10, linger_s=1.0)
    try:
        # a lone caller waiting for each upload is never kept waiting for company
        commit.gate.set()
        for _ in range(2):
            writer.submit(batch([position()])).result(timeout=10)
        assert [len(g) for g in commit.groups] == [1, 1]
        # load: uploads queue up behind a commit in progress...
        commit.gate.clear()
        commit.entered.clear()
        held = writer.submit(batch([position()]))
        assert commit.entered.wait(10)
        queued = [writer.submit(batch([position()])) for _ in range(2)]
        commit.gate.set()
        for future in [held, *queued]:
            future.result(timeout=10)
        assert [len(g) for g in commit.groups] == [1, 1, 1, 2]
        # ...so the next group waits for the upload that comes a moment after its first
        first = writer.submit(batch([position()]))
        threading.Event().wait(0.05)
        second = writer.submit(batch([position()]))
        first.result(timeout=10)
        second.result(timeout=10)
        assert [len(g) for g in commit.groups][-1] == 2
    finally:
        commit.gate.set()
        writer.close()


def test_linger_is_bounded() -> None:
    with pytest.raises(ValueError, match="linger_s"):
        GroupWriter("test-writer", GatedCommit(), linger_s=5.0)


def test_an_event_loop_waits_on_its_own_future() -> None:
    commit = GatedCommit()
    commit.gate.set()
    writer = GroupWriter("test-writer", commit, capacity=10, max_group=10)

    async def upload() -> list[str]:
        good = writer.submit_async(batch([position()]))
        bad = writer.submit_async(batch([position()], device="gw-bad"))
        outcomes = await asyncio.gather(good, bad, return_exceptions=True)
        return [type(o).__name__ if isinstance(o, BaseException) else o.status for o in outcomes]

    try:
        assert asyncio.run(upload()) == ["stored", "StoreError"]
    finally:
        writer.close()
