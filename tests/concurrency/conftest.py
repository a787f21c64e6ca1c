"""Fixtures for the race tests: a commit spy, direct invocation, and an embedded store fit for races."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reassign_core import runtime
from reassign_core.domain.errors import WriteConflict
from reassign_core.store.repository import ReassignRepository
from tests.concurrency.harness import CommitLog, patient_service
from tests.factories import LambdaContext


@pytest.fixture
def commit_log(monkeypatch: pytest.MonkeyPatch) -> CommitLog:
    """Records each commit's outcome without changing it (a spy on the repository port)."""
    log = CommitLog()
    real_commit = ReassignRepository.commit

    def spying_commit(
        self: ReassignRepository, plan: Any, event_type_id: int, at: Any, event_id: str
    ) -> None:
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


@pytest.fixture
def direct(reassign_app: Any, store: Any) -> Iterator[Callable[..., dict[str, Any]]]:
    """Direct invocation of the real handler: (uid, actor, target, reason) → the answer."""

    def call(
        uid: str, actor: int = 1, target: int | None = None, reason: str | None = None
    ) -> dict[str, Any]:
        event: dict[str, Any] = {"bookingUid": uid, "actorUserId": actor}
        if target is not None:
            event["userId"] = target
        if reason is not None:
            event["reason"] = reason
        return reassign_app.lambda_handler(event, LambdaContext())

    yield call


@pytest.fixture(autouse=True)
def patient_store_client(dynamo: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    service, executor = patient_service(dynamo.endpoint_url)
    monkeypatch.setattr(runtime, "reassign_service", lambda: service)
    yield
    executor.shutdown()
