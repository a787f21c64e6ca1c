"""The sequential benchmark's oracle: it must agree with the service answer by answer, and catch
an answer that is not the decision on the state before it."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.mirror import Mirror
from bench.sequential import spread_dataset, verdict
from tests.factories import LambdaContext, http_event


@pytest.fixture
def bench_data(store: Any) -> tuple[dict[str, Any], list[str]]:
    # 30 hosts: enough out-of-office spells that the calibration decides some of the choices.
    raw, uids = spread_dataset(hosts=30, requests=40, now=datetime.now(UTC))
    store.load(raw)
    return raw, uids


def _reassign(reassign_app: Any, uid: str) -> tuple[int, dict[str, Any]]:
    answer = reassign_app.lambda_handler(http_event(f"/bookings/{uid}/reassign"), LambdaContext())
    return answer["statusCode"], json.loads(answer["body"])


def test_the_oracle_agrees_with_every_answer_as_the_state_moves_on(
    bench_data: tuple[dict[str, Any], list[str]], reassign_app: Any
) -> None:
    raw, uids = bench_data
    mirror = Mirror.of(raw, actor_id=1)
    # The same state without the calibration's inputs (the rest is shared, so it moves on too).
    uncalibrated = replace(mirror, counted=defaultdict(dict), spells=defaultdict(list))
    statuses, calibration_decided = [], 0

    for uid in uids:
        expected = mirror.expected_winner(uid, datetime.now(UTC))
        calibration_decided += expected != uncalibrated.expected_winner(uid, datetime.now(UTC))
        status, body = _reassign(reassign_app, uid)
        assert verdict(expected, status, body) is None, (uid, body)
        statuses.append(status)
        if status == 200:
            mirror.reassign(uid, body["data"]["reassignedTo"]["id"])

    assert statuses.count(200) > len(uids) // 2  # mostly real choices, not "no host available"
    assert calibration_decided > 0  # the answers were checked where the calibration matters


def test_the_oracle_catches_a_booking_moved_twice(
    bench_data: tuple[dict[str, Any], list[str]], reassign_app: Any
) -> None:
    raw, uids = bench_data
    mirror = Mirror.of(raw, actor_id=1)
    uid = uids[0]
    expected = mirror.expected_winner(uid, datetime.now(UTC))
    assert expected is not None

    assert _reassign(reassign_app, uid)[0] == 200
    status, second = _reassign(reassign_app, uid)  # what a resend taken for a conflict used to do

    assert status == 200
    assert verdict(expected, status, second) == (
        f"expected host {expected.user_id}, got 200 {second['data']['reassignedTo']['id']}"
    )
    assert verdict(expected, 503, {"error": {"code": "ServiceUnavailableException"}}) is not None
    assert verdict(None, 200, second) is not None
