"""Real concurrency against the embedded store: many threads, one truth.

The embedded DynamoDB serves one request at a time, so each call (a TransactWriteItems included)
is atomic as in DynamoDB, while the service's read→decide→write sequences interleave freely.
`RACE_ROUNDS` (default 4) scales the contended runs up for a longer soak.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import pytest

from reassign_core.store import keys
from reassign_core.store.repository import ReassignRepository
from tests.concurrency.harness import CommitLog, assert_documented_failure, race_dataset, run_together
from tests.concurrency.invariants import (
    CALENDAR_PREFIX,
    StoreState,
    all_violations,
    audit_chain_breaks,
    derived_mismatches,
    double_bookings,
)
from tests.factories import base_dataset, booking

ROUNDS = int(os.environ.get("RACE_ROUNDS", "4"))


def _reassigned_pairs(answers: list[tuple[str, dict[str, Any]]]) -> Counter[tuple[str, int]]:
    return Counter((uid, a["data"]["reassignedTo"]["id"]) for uid, a in answers if a["statusCode"] == 200)


def _audited_pairs(state: StoreState) -> Counter[tuple[str, int]]:
    return Counter((uid, r["toUserId"]) for uid, records in state.audits.items() for r in records)


def test_bookings_racing_for_the_same_free_hosts_never_double_book_a_host(
    store: Any, direct: Any, commit_log: CommitLog
) -> None:
    # Given nine bookings, seven of them overlapping, and only three hosts free in that slot
    data = race_dataset()
    store.load(data)
    uids = [b["uid"] for b in data["bookings"]]
    every_answer: list[tuple[str, dict[str, Any]]] = []

    for _ in range(ROUNDS):
        # When every booking is auto-reassigned at the same instant
        answers = run_together([partial(direct, uid) for uid in uids])
        every_answer += zip(uids, answers, strict=True)

        # Then each success is what the store now says, and each failure a documented one
        state = StoreState.read(store)
        for uid, answer in zip(uids, answers, strict=True):
            if answer["statusCode"] == 200:
                assert answer["data"]["bookingUid"] == uid
                assert state.bookings[uid]["userId"] == answer["data"]["reassignedTo"]["id"]
            else:
                assert_documented_failure(answer)
        # And no host holds two overlapping bookings; calendars, stats, counters, audit and outbox agree
        assert all_violations(state, data) == []

    successes = sum(1 for _, a in every_answer if a["statusCode"] == 200)
    assert successes > 0
    assert state.audit_count == len(state.outbox) == len(commit_log.committed) == successes
    assert _audited_pairs(state) == _reassigned_pairs(every_answer)
    # The requests really raced: some transactions were refused and retried from a fresh read.
    assert commit_log.conflicts > 0


def test_concurrent_reassignments_of_one_booking_lose_no_update(
    store: Any, direct: Any, commit_log: CommitLog
) -> None:
    # Given one booking and four round-robin hosts
    data = base_dataset(round_robin=(2, 3, 4, 5))
    store.load(data)
    threads, per_thread = 12, 3

    def worker(index: int) -> list[tuple[int | None, dict[str, Any], int]]:
        done = []
        for step in range(per_thread):
            turn = index + step
            target = None if turn % 3 == 0 else 2 + turn % 4  # a mix of auto and manual (to anyone)
            before = commit_log.committed_by_this_thread()
            answer = direct("b-1", target=target, reason=None if target is None else f"t{index}s{step}")
            done.append((target, answer, commit_log.committed_by_this_thread() - before))
        return done

    # When twelve threads reassign it three times each, all starting together
    results = [r for batch in run_together([partial(worker, i) for i in range(threads)]) for r in batch]

    # Then every answer is a success or a documented conflict, never a 5xx
    for target, answer, _ in results:
        if answer["statusCode"] == 200:
            if target is not None:
                assert answer["data"]["reassignedTo"]["id"] == target
        else:
            assert_documented_failure(answer)
    # And every success that changed something left exactly one audit record and one outbox event
    changed = [(t, a) for t, a, wrote in results if a["statusCode"] == 200 and wrote]
    assert len(changed) > 0
    state = StoreState.read(store)
    assert state.audit_count == len(state.outbox) == len(changed) == len(commit_log.committed)
    assert _audited_pairs(state) == _reassigned_pairs([("b-1", a) for _, a in changed])
    # And the audit records chain 2 → … → the final organizer with consecutive versions (no lost update)
    assert all_violations(state, data) == []
    assert state.bookings["b-1"]["userId"] == state.audits["b-1"][-1]["toUserId"]


# --- the race tests have teeth: without the version conditions they catch the damage ----------------


KeyTest = Callable[[str, str], bool]  # (PK, SK) → is this item's condition dropped?


@pytest.fixture
def drop_conditions(monkeypatch: pytest.MonkeyPatch) -> Callable[[KeyTest], None]:
    """The write with the conditions on the chosen items dropped: what the service would be
    without that part of its optimistic locking."""

    def drop(chosen: KeyTest) -> None:
        real = ReassignRepository._transaction

        def without_conditions(self: ReassignRepository, *args: Any) -> list[dict[str, Any]]:
            kept = []
            for operation in real(self, *args):
                ((kind, body),) = operation.items()
                key = body.get("Key") or body.get("Item")
                if not chosen(key["PK"]["S"], key.get("SK", {}).get("S", "")):  # the outbox has no SK
                    kept.append(operation)
                elif kind != "ConditionCheck":
                    body = {k: v for k, v in body.items() if k != "ConditionExpression"}
                    values = {
                        k: v for k, v in body.pop("ExpressionAttributeValues", {}).items() if k != ":read"
                    }
                    kept.append({kind: {**body, **({"ExpressionAttributeValues": values} if values else {})}})
            return kept

        monkeypatch.setattr(ReassignRepository, "_transaction", without_conditions)

    return drop


def _everything(pk: str, sk: str) -> bool:
    return True


def _calendars(pk: str, sk: str) -> bool:
    return pk.startswith(CALENDAR_PREFIX)


def _host_stats(pk: str, sk: str) -> bool:
    return sk.startswith(keys.STATS_PREFIX)


@dataclass
class Interleaving:
    """Every request finishes reading before any writes; then their first commits go in `order`
    (booking uids; empty: all at once). Retries are not held back."""

    parties: int = 2
    order: list[str] = field(default_factory=list)


@pytest.fixture
def worst_interleaving(monkeypatch: pytest.MonkeyPatch) -> Interleaving:
    plan = Interleaving()
    state: dict[str, Any] = {}
    first_try = threading.local()
    real = ReassignRepository.commit

    def commit(self: ReassignRepository, decided: Any, *args: Any) -> None:
        if getattr(first_try, "done", False):
            return real(self, decided, *args)
        first_try.done = True
        turns = state.setdefault("turns", {uid: threading.Event() for uid in plan.order})
        state.setdefault("all_read", threading.Barrier(plan.parties)).wait(timeout=10)
        uid = decided.before.uid
        for earlier in plan.order[: plan.order.index(uid)] if uid in plan.order else []:
            assert turns[earlier].wait(timeout=10)
        try:
            return real(self, decided, *args)
        finally:
            if uid in turns:
                turns[uid].set()

    monkeypatch.setattr(ReassignRepository, "commit", commit)
    return plan


def _two_bookings_one_free_host() -> dict[str, Any]:
    """b-1 (host 2) and b-2 (host 3) in the same slot: only host 4 is free. Both PENDING, so the
    transaction writes no stats or counters: the calendar conditions alone keep host 4 single."""
    data = base_dataset(round_robin=(2, 3, 4))
    data["bookings"].append(booking("b-2", 3))
    for pending in data["bookings"]:
        pending["status"] = "PENDING"
    return data


@pytest.mark.usefixtures("worst_interleaving")
def test_with_version_conditions_the_worst_interleaving_still_gives_each_host_one_booking(
    store: Any, direct: Any
) -> None:
    data = _two_bookings_one_free_host()
    store.load(data)

    answers = run_together([partial(direct, "b-1"), partial(direct, "b-2")])

    # The loser's transaction is refused; it re-reads and takes the host the winner just left.
    assert [a["statusCode"] for a in answers] == [200, 200]
    assert [a["data"]["reassignedTo"]["id"] for a in answers] in ([4, 2], [3, 4])
    assert all_violations(StoreState.read(store), data) == []


@pytest.mark.usefixtures("worst_interleaving")
def test_meta_without_calendar_conditions_the_race_checks_catch_a_double_booking(
    store: Any, direct: Any, drop_conditions: Callable[[KeyTest], None]
) -> None:
    drop_conditions(_calendars)
    data = _two_bookings_one_free_host()
    store.load(data)

    answers = run_together([partial(direct, "b-1"), partial(direct, "b-2")])

    assert [a["data"]["reassignedTo"]["id"] for a in answers] == [4, 4]
    state = StoreState.read(store)
    assert double_bookings(state, data) == ["host 4 holds overlapping b-1 and b-2"]
    # The calendars lost one of the two bookings too: last writer won.
    calendar_of_host_4 = str(tuple(keys.calendar_day(4, date(2050, 1, 7)).values()))
    assert any(p.startswith(calendar_of_host_4) for p in derived_mismatches(state, data))


@pytest.mark.usefixtures("worst_interleaving")
def test_with_version_conditions_two_writers_of_one_booking_both_land_in_order(
    store: Any, direct: Any
) -> None:
    data = base_dataset(round_robin=(2, 3, 4))
    store.load(data)

    answers = run_together([partial(direct, "b-1", target=3), partial(direct, "b-1", target=4)])

    assert [a["statusCode"] for a in answers] == [200, 200]
    state = StoreState.read(store)
    assert all_violations(state, data) == []
    assert [(r["fromUserId"], r["toUserId"]) for r in state.audits["b-1"]] in (
        [(2, 3), (3, 4)],
        [(2, 4), (4, 3)],
    )


@pytest.mark.usefixtures("worst_interleaving")
def test_meta_without_version_conditions_the_race_checks_catch_a_lost_update(
    store: Any, direct: Any, drop_conditions: Callable[[KeyTest], None]
) -> None:
    drop_conditions(_everything)
    data = base_dataset(round_robin=(2, 3, 4))
    store.load(data)

    answers = run_together([partial(direct, "b-1", target=3), partial(direct, "b-1", target=4)])

    # Both were told 200, both "moved it from host 2": one of those updates is lost.
    assert [a["statusCode"] for a in answers] == [200, 200]
    breaks = audit_chain_breaks(StoreState.read(store), data)
    assert any("moves it from 2, held by" in problem for problem in breaks), breaks
    assert any("version 2 after 2 audit records" in problem for problem in breaks), breaks


def _one_free_host_wins_two_separate_bookings() -> dict[str, Any]:
    """b-1 (host 2) and b-2 (host 3) on different days: host 4, never booked, is everyone's pick."""
    data = base_dataset(round_robin=(2, 3, 4))
    data["bookings"][0]["createdAt"] = "2026-11-10T08:00:00Z"
    data["bookings"].append(
        booking("b-2", 3, "2050-01-08T13:00:00Z", "2050-01-08T14:00:00Z", createdAt="2026-11-20T08:00:00Z")
    )
    return data


def test_with_stats_conditions_a_host_winning_two_bookings_at_once_keeps_its_latest(
    store: Any, direct: Any, worst_interleaving: Interleaving
) -> None:
    worst_interleaving.order = ["b-2", "b-1"]  # the newer booking's write lands first
    data = _one_free_host_wins_two_separate_bookings()
    store.load(data)

    answers = run_together([partial(direct, "b-1"), partial(direct, "b-2")])

    assert [a["statusCode"] for a in answers] == [200, 200]
    assert all_violations(StoreState.read(store), data) == []


def test_meta_without_stats_conditions_the_race_checks_catch_a_stale_last_booked_time(
    store: Any, direct: Any, worst_interleaving: Interleaving, drop_conditions: Callable[[KeyTest], None]
) -> None:
    drop_conditions(_host_stats)
    worst_interleaving.order = ["b-2", "b-1"]
    data = _one_free_host_wins_two_separate_bookings()
    store.load(data)

    answers = run_together([partial(direct, "b-1"), partial(direct, "b-2")])

    # Both went to host 4; the older booking's write, landing last, set its last-booked time back.
    assert [a["data"]["reassignedTo"]["id"] for a in answers] == [4, 4]
    [mismatch] = derived_mismatches(StoreState.read(store), data)
    stored, recomputed = mismatch.split(", recomputation gives ")
    assert stored.startswith(str(tuple(keys.host_stats(100, 4).values())))
    assert '"lastBookedAt": "2026-11-10T08:00:00.000Z"' in stored
    assert '"lastBookedAt": "2026-11-20T08:00:00.000Z"' in recomputed
