"""A Cal.com booking for host H racing a reassignment choosing H: real parallel requests against the
embedded store, which applies one request at a time (each transaction atomic, as in DynamoDB).

The reassignment's transaction conditions on the winner's calendar days; the sync bumps their
versions. So a reassignment that commits after the sync never picks H: it re-reads and picks someone
else. (One that commits before the sync did pick H legitimately: the Cal.com booking is then a fact
to store, not to refuse.)
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from reassign_core.store.repository import ReassignRepository
from reassign_core.store.sync_store import SyncStore
from tests.concurrency.harness import run_together
from tests.factories import LambdaContext, base_dataset
from tests.sync.conftest import drift
from tests.sync.payloads import booking_payload, webhook

H = 3  # the host the reassignment of b-1 picks when nobody else books it (lowest load, first in order)


class Commits:
    """The order in which transactions applied (each one applied under the lock: the store applies
    one request at a time anyway, so this only makes the order observable)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.order: list[str] = []
        self.attempted: list[int] = []  # each reassignment commit's winner, applied or not
        self.sync_done = threading.Event()
        self.reassignment_decided = threading.Event()
        self.interleave = False  # the reassignment decides, then the sync commits, then it commits


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> Commits:
    log = Commits()
    real_reassign, real_sync = ReassignRepository.commit, SyncStore.commit

    def reassign_commit(self: ReassignRepository, plan: Any, *args: Any) -> None:
        log.attempted.append(plan.winner.user_id)
        if log.interleave and not log.sync_done.is_set():
            log.reassignment_decided.set()
            assert log.sync_done.wait(timeout=60), "the sync never committed"
        with log.lock:
            real_reassign(self, plan, *args)
            log.order.append(f"reassign->{plan.winner.user_id}")

    def sync_commit(self: SyncStore, actions: Any, token: str) -> None:
        if log.interleave:
            assert log.reassignment_decided.wait(timeout=60), "the reassignment never decided"
        with log.lock:
            real_sync(self, actions, token)
            log.order.append("sync")
        log.sync_done.set()

    monkeypatch.setattr(ReassignRepository, "commit", reassign_commit)
    monkeypatch.setattr(SyncStore, "commit", sync_commit)
    return log


def _reassign(reassign_app: Any) -> dict[str, Any]:
    return dict(reassign_app.lambda_handler({"bookingUid": "b-1", "actorUserId": 1}, LambdaContext()))


def _sync(deliver: Any) -> dict[str, Any]:
    body = webhook("BOOKING_CREATED", "2026-11-25T10:00:00.000Z", booking_payload("cal-h", organizer=H))
    response = deliver(body)
    return {"statusCode": response.status, **response.json()}


def _holds(store: Any, user_id: int) -> set[str]:
    day = store.item({"PK": f"CAL#{user_id}", "SK": "DAY#2050-01-07"}) or {}
    return set(day.get("busy", {}))


def test_a_reassignment_that_read_h_as_free_but_commits_after_the_sync_picks_someone_else(
    store: Any, deliver: Any, reassign_app: Any, commits: Commits
) -> None:
    data = base_dataset()
    store.load(data)
    commits.interleave = True

    reassigned, synced = run_together([lambda: _reassign(reassign_app), lambda: _sync(deliver)])

    assert synced["statusCode"] == 200 and synced["data"]["applied"] is True
    assert reassigned["statusCode"] == 200, reassigned
    assert reassigned["data"]["reassignedTo"]["id"] != H
    assert commits.attempted[0] == H  # it had chosen H from what it read before the sync
    assert commits.order[0] == "sync"
    assert _holds(store, H) == {"cal-h"}  # H holds only the Cal.com booking: never double-booked
    assert drift(store.scan(), data) == []


@pytest.mark.parametrize("round_", range(6))
def test_racing_freely_h_is_only_double_booked_by_a_reassignment_that_committed_first(
    store: Any, deliver: Any, reassign_app: Any, commits: Commits, round_: int
) -> None:
    data = base_dataset()
    store.load(data)

    reassigned, synced = run_together([lambda: _reassign(reassign_app), lambda: _sync(deliver)])

    assert synced["statusCode"] == 200 and synced["data"]["applied"] is True
    assert reassigned["statusCode"] == 200, reassigned
    winner = reassigned["data"]["reassignedTo"]["id"]
    assert sorted(commits.order) == sorted(["sync", f"reassign->{winner}"])
    if winner == H:
        assert commits.order == [f"reassign->{H}", "sync"], json.dumps(commits.order)
        assert _holds(store, H) == {"b-1", "cal-h"}
    else:
        assert _holds(store, H) == {"cal-h"}
    assert drift(store.scan(), data) == []


def test_a_reschedule_taking_a_booking_from_h_unread_makes_a_reassignment_choosing_h_read_again(
    store: Any, deliver: Any, reassign_app: Any, commits: Commits
) -> None:
    data = base_dataset()
    store.load(data)
    elsewhere = {"start": "2050-02-10T13:00:00.000Z", "end": "2050-02-10T14:00:00.000Z"}
    # Another month (b-1's counts unchanged); H's booked before host 4's, so H is still chosen first.
    for uid, host, at in (("cal-x", H, "2026-01-01T10:00:00.000Z"), ("cal-z", 4, "2026-01-05T10:00:00.000Z")):
        assert (
            deliver(webhook("BOOKING_CREATED", at, booking_payload(uid, organizer=host, **elsewhere))).status
            == 200
        )
    moved = booking_payload(
        "cal-y",
        organizer=4,  # Cal.com gave the new time to host 4: what H loses is taken away unread
        start="2050-02-11T13:00:00.000Z",
        end="2050-02-11T14:00:00.000Z",
        rescheduleUid="cal-x",
        rescheduleStartTime=elsewhere["start"],
        rescheduleEndTime=elsewhere["end"],
    )
    commits.sync_done.clear()  # the creations above were sync commits too
    commits.order.clear()
    commits.interleave = True

    def reschedule() -> dict[str, Any]:
        response = deliver(webhook("BOOKING_RESCHEDULED", "2026-01-02T10:00:00.000Z", moved))
        return {"statusCode": response.status, **response.json()}

    reassigned, synced = run_together([lambda: _reassign(reassign_app), reschedule])

    assert synced["statusCode"] == 200 and synced["data"]["applied"] is True
    assert reassigned["statusCode"] == 200, reassigned
    # It chose H from stats the blind write then changed: its write failed, it read again, chose H.
    assert commits.attempted == [H, H] and commits.order == ["sync", f"reassign->{H}"]
    assert drift(store.scan(), data) == []
