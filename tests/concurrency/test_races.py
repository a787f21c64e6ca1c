"""Real concurrency against the embedded store: many threads, one truth.

The embedded DynamoDB serves one request at a time, so each call (a TransactWriteItems included)
is atomic as in DynamoDB, while the service's read→decide→write sequences interleave freely.
`RACE_ROUNDS` (default 4) scales the contended runs up for a longer soak.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from functools import partial
from typing import Any

import pytest

from reassign_core.repository import ReassignRepository
from tests.concurrency.conftest import CommitLog, assert_documented_failure, race_dataset, run_together
from tests.concurrency.invariants import (
    all_violations,
    audit_chain_breaks,
    audit_count,
    audits_in_store,
    bookings_in_store,
    double_bookings,
)
from tests.factories import base_dataset, booking

ROUNDS = int(os.environ.get("RACE_ROUNDS", "4"))


def _reassigned_pairs(answers: list[tuple[str, dict[str, Any]]]) -> Counter[tuple[str, int]]:
    return Counter((uid, a["data"]["reassignedTo"]["id"]) for uid, a in answers if a["statusCode"] == 200)


def _audited_pairs(store: Any) -> Counter[tuple[str, int]]:
    return Counter((uid, r["toUserId"]) for uid, records in audits_in_store(store).items() for r in records)


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
        bookings = bookings_in_store(store)
        for uid, answer in zip(uids, answers, strict=True):
            if answer["statusCode"] == 200:
                assert answer["data"]["bookingUid"] == uid
                assert bookings[uid]["userId"] == answer["data"]["reassignedTo"]["id"]
            else:
                assert_documented_failure(answer)
        # And no host holds two overlapping bookings; calendars, stats, counters, audit and outbox agree
        assert all_violations(store, data) == []

    successes = sum(1 for _, a in every_answer if a["statusCode"] == 200)
    assert successes > 0
    assert audit_count(store) == len(store.scan("OutboxTable")) == len(commit_log.committed) == successes
    assert _audited_pairs(store) == _reassigned_pairs(every_answer)
    # The requests really raced: some transactions were refused and retried from a fresh read.
    assert commit_log.conflicts > 0


def test_concurrent_reassignments_of_one_booking_lose_no_update(store: Any, direct: Any, commit_log: CommitLog) -> None:
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
    assert audit_count(store) == len(store.scan("OutboxTable")) == len(changed) == len(commit_log.committed)
    assert _audited_pairs(store) == _reassigned_pairs([("b-1", a) for _, a in changed])
    # And the audit records chain 2 → … → the final organizer with consecutive versions (no lost update)
    assert all_violations(store, data) == []
    last = audits_in_store(store)["b-1"][-1]
    assert store.booking("b-1")["userId"] == last["toUserId"]


# --- the race tests have teeth: without the version conditions they catch the damage ----------------


@pytest.fixture
def unconditional_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The write with every condition dropped: what the service would be without optimistic locking."""
    real = ReassignRepository._transaction

    def without_conditions(self: ReassignRepository, *args: Any) -> list[dict[str, Any]]:
        stripped = []
        for operation in real(self, *args):
            ((kind, body),) = operation.items()
            if kind == "ConditionCheck":
                continue
            body = {k: v for k, v in body.items() if k != "ConditionExpression"}
            values = {k: v for k, v in body.pop("ExpressionAttributeValues", {}).items() if k != ":read"}
            stripped.append({kind: {**body, **({"ExpressionAttributeValues": values} if values else {})}})
        return stripped

    monkeypatch.setattr(ReassignRepository, "_transaction", without_conditions)


@pytest.fixture
def commits_after_both_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests both finish reading before either writes: the worst interleaving, every time."""
    both_decided = threading.Barrier(2)
    first_try = threading.local()
    real = ReassignRepository.commit

    def commit(self: ReassignRepository, *args: Any) -> None:
        if not getattr(first_try, "done", False):
            first_try.done = True
            both_decided.wait(timeout=10)
        real(self, *args)

    monkeypatch.setattr(ReassignRepository, "commit", commit)


def _two_bookings_one_free_host() -> dict[str, Any]:
    data = base_dataset(round_robin=(2, 3, 4))
    data["bookings"].append(booking("b-2", 3))  # same slot as b-1 (host 2): only host 4 is free
    return data


@pytest.mark.usefixtures("commits_after_both_read")
def test_with_version_conditions_the_worst_interleaving_still_gives_each_host_one_booking(
    store: Any, direct: Any
) -> None:
    data = _two_bookings_one_free_host()
    store.load(data)

    answers = run_together([partial(direct, "b-1"), partial(direct, "b-2")])

    # The loser's transaction is refused; it re-reads and takes the host b-1 just freed.
    assert [a["statusCode"] for a in answers] == [200, 200]
    assert sorted(a["data"]["reassignedTo"]["id"] for a in answers) == [2, 4]
    assert all_violations(store, data) == []


@pytest.mark.usefixtures("unconditional_writes", "commits_after_both_read")
def test_meta_without_version_conditions_the_race_checks_catch_a_double_booking(store: Any, direct: Any) -> None:
    data = _two_bookings_one_free_host()
    store.load(data)

    answers = run_together([partial(direct, "b-1"), partial(direct, "b-2")])

    assert [a["data"]["reassignedTo"]["id"] for a in answers] == [4, 4]
    assert double_bookings(store, data) == ["host 4 holds overlapping b-1 and b-2"]
    assert all_violations(store, data) != []  # calendars no longer match the bookings either


@pytest.mark.usefixtures("commits_after_both_read")
def test_with_version_conditions_two_writers_of_one_booking_both_land_in_order(store: Any, direct: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4))
    store.load(data)

    answers = run_together([partial(direct, "b-1", target=3), partial(direct, "b-1", target=4)])

    assert [a["statusCode"] for a in answers] == [200, 200]
    assert audit_chain_breaks(store, data) == []
    assert all_violations(store, data) == []
    assert audit_count(store) == 2


@pytest.mark.usefixtures("unconditional_writes", "commits_after_both_read")
def test_meta_without_version_conditions_the_race_checks_catch_a_lost_update(store: Any, direct: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4))
    store.load(data)

    answers = run_together([partial(direct, "b-1", target=3), partial(direct, "b-1", target=4)])

    # Both were told 200, both "moved it from host 2": one of those updates is lost.
    assert [a["statusCode"] for a in answers] == [200, 200]
    breaks = audit_chain_breaks(store, data)
    assert any("moves it from 2, held by" in problem for problem in breaks), breaks
    assert any("version 2 after 2 audit records" in problem for problem in breaks), breaks
