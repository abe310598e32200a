"""SIGKILL the uploading process at random moments; every record still arrives exactly once."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from .scripted_server import TOKEN, Reply, ScriptedServer

CHILD = Path(__file__).with_name("child_upload.py")
CHUNKS = 30
SIZE = 6


def run_child(db: Path, server: ScriptedServer, tag: str, n_chunks: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), server.url, TOKEN, tag, str(n_chunks), str(SIZE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_upload_loses_and_duplicates_nothing(
    tmp_path: Path, server: ScriptedServer
) -> None:
    db = tmp_path / "outbox.db"
    rng = random.Random(20191216)
    added: set[tuple[str, int]] = set()
    tags: list[str] = []
    killed = 0
    lock = threading.Lock()
    for it in range(5):
        tag = f"r{it}"
        tags.append(tag)
        proc = run_child(db, server, tag, CHUNKS)
        acks = {"n": 0}
        kill_after = rng.randint(1, 8)

        def kill_on_ack(
            proc: subprocess.Popen[str] = proc, acks: dict[str, int] = acks, k: int = kill_after
        ) -> None:
            with lock:  # right after an ack went out: before or during the child's mark_sent
                acks["n"] += 1
                if acks["n"] == k and proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)

        server.script = [Reply(503), Reply(201, drop=True)] if it == 3 else []
        lines: list[str] = []
        if it % 2 == 0:
            server.after_ack = kill_on_ack
        else:  # while it adds: mid-add, mid-batch-forming or mid-request
            server.after_ack = None
            assert proc.stdout is not None
            for _ in range(rng.randint(2, CHUNKS - 5)):
                lines.append(proc.stdout.readline())
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode in (0, -signal.SIGKILL), err
        server.after_ack = None
        killed += proc.returncode == -signal.SIGKILL
        for line in filter(None, [*lines, *out.splitlines()]):
            _, t, chunk = line.split()
            added.add((t, int(chunk)))

    final = run_child(db, server, "final", 0)
    _, err = final.communicate(timeout=20)
    assert final.returncode == 0, err
    assert killed >= 3, "the children were meant to die mid-way"

    items = server.stored_items()
    keys = Counter(
        "e:" + i["raw"][0]
        if i["kind"] == "event"
        else "p:" + i["vehicle_id"].removeprefix("t-").replace("-", "/")
        for i in items
    )
    assert keys, "nothing arrived"
    duplicated = [k for k, n in keys.items() if n > 1]
    assert duplicated == [], f"delivered twice: {duplicated[:5]}"
    assert server.mismatched_repeats == []
    for tag in tags:
        for c in range(CHUNKS):
            expected = {f"{kind}:{tag}/{c}/{i}" for i in range(SIZE) for kind in "ep"}
            present = expected & keys.keys()
            # an add is one transaction: a chunk arrives whole (twice SIZE records) or not at all
            assert len(present) in (0, 2 * SIZE), (tag, c, len(present))
            if (tag, c) in added:
                assert present == expected, f"chunk {tag}/{c} was stored but never arrived"
    assert len(keys) == 2 * SIZE * len({k[2:].rsplit("/", 1)[0] for k in keys})
    assert len(keys) >= 2 * SIZE * len(added)
