"""Fixtures for the race tests: a contended dataset, a commit spy and a barrier-started thread pool."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from reassign_core.errors import WriteConflict
from reassign_core.repository import ReassignRepository
from tests.factories import LambdaContext, base_dataset, booking

# Ten round-robin hosts; seven bookings overlap 13:00-14:30, so only three hosts are free for them.
RACE_HOSTS = tuple(range(10, 20))
SLOT = ("2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z")
NO_HOST_MESSAGE = "Can't reassign the booking because no other host is available at that time."


def race_dataset() -> dict[str, Any]:
    data = base_dataset(round_robin=RACE_HOSTS)
    same_slot = [
        booking(f"same-{i}", host, *SLOT, createdAt=f"2026-11-{10 + i:02d}T08:00:00Z")
        for i, host in enumerate(RACE_HOSTS[:6])
    ]
    same_slot[-1]["status"] = "PENDING"  # pending bookings block hosts too
    data["bookings"] = [
        *same_slot,
        booking("overlap", 16, "2050-01-07T13:30:00Z", "2050-01-07T14:30:00Z"),
        # Two bookings across midnight UTC: their calendars span two day items.
        booking("midnight", 17, "2050-01-07T23:30:00Z", "2050-01-08T00:30:00Z"),
        booking("next-day", 18, "2050-01-08T00:00:00Z", "2050-01-08T01:00:00Z"),
    ]
    return data


@dataclass
class CommitLog:
    """What every transaction attempt did: committed (uid, winner, event id) or conflicted."""

    committed: list[tuple[str, int, str]] = field(default_factory=list)
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def committed_by_this_thread(self) -> int:
        return getattr(self.local, "commits", 0)


@pytest.fixture
def commit_log(monkeypatch: pytest.MonkeyPatch) -> CommitLog:
    """Records each commit's outcome without changing it (a spy on the repository port)."""
    log = CommitLog()
    real_commit = ReassignRepository.commit

    def spying_commit(self: ReassignRepository, plan: Any, event_type_id: int, at: Any, event_id: str) -> None:
        try:
            real_commit(self, plan, event_type_id, at, event_id)
        except WriteConflict:
            with log.lock:
                log.conflicts += 1
            raise
        with log.lock:
            log.committed.append((plan.before.uid, plan.winner.user_id, event_id))
        log.local.commits = log.committed_by_this_thread() + 1

    monkeypatch.setattr(ReassignRepository, "commit", spying_commit)
    return log


def run_together(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Runs every call on its own thread, all released at once by a barrier; results in order."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def direct(reassign_app: Any, store: Any) -> Iterator[Callable[..., dict[str, Any]]]:
    """Direct invocation of the real handler: (uid, actor, target, reason) → the answer."""

    def call(uid: str, actor: int = 1, target: int | None = None, reason: str | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {"bookingUid": uid, "actorUserId": actor}
        if target is not None:
            event["userId"] = target
        if reason is not None:
            event["reason"] = reason
        return reassign_app.lambda_handler(event, LambdaContext())

    yield call


def assert_documented_failure(answer: dict[str, Any]) -> None:
    """Under contention a request may only fail as 'no host free' (400) or 'retries ran out' (409)."""
    status = answer["statusCode"]
    assert status in (400, 409), answer
    assert answer["status"] == "error"
    if status == 400:
        assert answer["error"] == {"code": "BadRequestException", "message": NO_HOST_MESSAGE, "details": {}}
    else:
        assert answer["error"]["code"] == "ConflictException"
