"""The race harness: a contended dataset, barrier-started threads, a commit spy's log, a patient client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reassign_core import runtime
from reassign_core.services.reassign import ReassignService
from reassign_core.store.repository import ReassignRepository
from tests.factories import base_dataset, booking

# Ten round-robin hosts; seven bookings overlap 13:00-14:30, so only three hosts are free for them.
ROOT = Path(__file__).resolve().parents[2]
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


def run_together(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Runs every call on its own thread, all released at once by a barrier; results in order."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_documented_failure(answer: dict[str, Any]) -> None:
    """Under contention a request may only fail as 'no host free' (400) or 'retries ran out' (409)."""
    status = answer["statusCode"]
    assert status in (400, 409), answer
    assert answer["status"] == "error"
    if status == 400:
        assert answer["error"] == {"code": "BadRequestException", "message": NO_HOST_MESSAGE, "details": {}}
    else:
        assert answer["error"]["code"] == "ConflictException"


def patient_service(endpoint_url: str) -> tuple[ReassignService, ThreadPoolExecutor]:
    """The production service on a client that waits for the embedded store and never retries.

    Under a dozen racing threads the serial embedded store can take seconds to answer; the production
    client would time out and retry, and its 503s would blur what is measured: the races, not botocore,
    are under test here (lost answers and resends have their own tests in tests/faults).
    """
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        config=Config(
            retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=120, max_pool_connections=64
        ),
    )
    settings = runtime.reassign_settings()
    executor = ThreadPoolExecutor(max_workers=runtime.READ_PARALLELISM)
    repository = ReassignRepository(client, settings.data_table, settings.outbox_table, executor)
    return ReassignService(repository, max_attempts=settings.max_write_attempts), executor
