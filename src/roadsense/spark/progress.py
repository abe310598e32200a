"""Progress of Spark's work as the terminal's bars: tasks done of the stages seen so far.

Spark's own console bar is off (:data:`~roadsense.spark.session.DEFAULT_CONF`); instead a
daemon thread asks the driver's status tracker twice a second which stages are running
and how many of their tasks are done, and calls the caller's ``progress(stage, done,
total)`` with the sums over every stage seen since the watch began (a stage that ended
counts whole). The total grows as the analysis submits new jobs, so the bar shows how
far the jobs submitted so far have come, and how many tasks they had.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from roadsense.progress import Progress

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BAR = "spark tasks"
"""The bar's name."""
POLL_S = 0.5


class StageWatch:
    """Tasks done and planned per Spark stage, from the driver's status tracker."""

    def __init__(self, spark: SparkSession) -> None:
        self._tracker = spark.sparkContext.statusTracker()
        self._stages: dict[int, tuple[int, int]] = {}

    def poll(self) -> tuple[int, int]:
        """(tasks done, tasks planned) over every stage seen so far."""
        active = set(self._tracker.getActiveStageIds())
        for stage_id in active:
            info = self._tracker.getStageInfo(stage_id)
            if info is not None:
                self._stages[stage_id] = (int(info.numCompletedTasks), int(info.numTasks))
        for stage_id, (_, total) in list(self._stages.items()):
            if stage_id not in active:
                self._stages[stage_id] = (total, total)
        done = sum(d for d, _ in self._stages.values())
        total = sum(t for _, t in self._stages.values())
        return done, total


@contextmanager
def stage_progress(spark: SparkSession, progress: Progress | None) -> Iterator[None]:
    """Report Spark's task progress to ``progress`` while the block runs (nothing when
    ``progress`` is None)."""
    if progress is None:
        yield
        return
    watch = StageWatch(spark)
    stop = threading.Event()
    report = progress

    def run() -> None:
        while not stop.wait(POLL_S):
            done, total = watch.poll()
            if total:
                report(BAR, done, total)

    thread = threading.Thread(target=run, name="spark-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        total = watch.poll()[1]
        if total:
            report(BAR, total, total)
