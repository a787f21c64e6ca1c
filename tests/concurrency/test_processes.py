"""Two OS processes, each with its own clients and thread pool, racing on one embedded store.

Like two Lambda execution environments: nothing is shared but DynamoDB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.concurrency.harness import ROOT, assert_documented_failure, race_dataset
from tests.concurrency.invariants import StoreState, all_violations

PROCESSES, THREADS, PER_THREAD = 2, 6, 2


def test_two_processes_racing_on_one_store_never_double_book_nor_lose_an_update(
    store: Any, tmp_path: Path
) -> None:
    # Given the contended dataset, and two worker processes started against the same store
    data = race_dataset()
    store.load(data)
    uids = [b["uid"] for b in data["bookings"]]
    go = tmp_path / "go"
    workers = []
    for n in range(PROCESSES):
        command = [
            sys.executable, "-m", "tests.concurrency.race_worker",
            str(tmp_path / f"result-{n}.json"), str(tmp_path / f"ready-{n}"), str(go),
            str(THREADS), str(PER_THREAD), str(n * 3), *uids,
        ]  # fmt: skip
        workers.append(subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL))

    # When both are ready, release them together
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in range(PROCESSES)):
        assert time.monotonic() < deadline, "worker processes did not start"
        assert all(w.poll() is None for w in workers), "a worker process died while starting"
        time.sleep(0.01)
    go.touch()
    assert [w.wait(timeout=120) for w in workers] == [0] * PROCESSES
    answers: list[tuple[str, dict[str, Any]]] = [
        (uid, answer)
        for n in range(PROCESSES)
        for uid, answer in json.loads((tmp_path / f"result-{n}.json").read_text())
    ]

    # Then every answer is a success or a documented failure, never a 5xx
    assert len(answers) == PROCESSES * THREADS * PER_THREAD
    for _, answer in answers:
        if answer["statusCode"] != 200:
            assert_documented_failure(answer)
    # And the store holds exactly the successes: one audit record per 200, to the host it named
    state = StoreState.read(store)
    successes = Counter(
        (uid, a["data"]["reassignedTo"]["id"]) for uid, a in answers if a["statusCode"] == 200
    )
    assert successes.total() > 0
    assert Counter((uid, r["toUserId"]) for uid, rs in state.audits.items() for r in rs) == successes
    # And no double booking, lost update or stale calendar/counter anywhere
    assert all_violations(state, data) == []
