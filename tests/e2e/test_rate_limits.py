"""Per-credential rate limits through the local API: the real authorizer names the credential, the
functions count it in the data table, and the answers carry Cal.com's headers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from local.gateway import LocalApi
from reassign_core import runtime, webhook_runtime
from tests.conftest import ROOT
from tests.factories import API_VERSION, MANAGED_TOKEN, OWNER_KEY, base_dataset

WINDOW_START = 1_900_000_020  # a multiple of 60


@dataclass
class Limited:
    url: str
    now: list[float]  # the limiters' clock, moved by the test

    def get(self, path: str, token: str = OWNER_KEY) -> requests.Response:
        headers = {"cal-api-version": API_VERSION, "Authorization": f"Bearer {token}"}
        return requests.get(f"{self.url}{path}", headers=headers, timeout=30)

    def post(self, path: str, token: str = OWNER_KEY) -> requests.Response:
        headers = {"cal-api-version": API_VERSION, "Authorization": f"Bearer {token}"}
        return requests.post(f"{self.url}{path}", headers=headers, timeout=30)


def _forget_limiters() -> None:
    runtime.rate_limiter.cache_clear()
    webhook_runtime.rate_limiter.cache_clear()


@pytest.fixture
def limited(dynamo: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Limited]:
    """`RATE_LIMIT_API_KEY=3 RATE_LIMIT_ACCESS_TOKEN=5 make run`, with a clock the test moves."""
    monkeypatch.setenv("RATE_LIMIT_API_KEY", "3")
    monkeypatch.setenv("RATE_LIMIT_ACCESS_TOKEN", "5")
    _forget_limiters()
    api = LocalApi(ROOT / "template.yaml", dynamo.endpoint_url)
    now = [WINDOW_START + 15.2]
    for limiter in (runtime.rate_limiter(), webhook_runtime.rate_limiter()):
        assert limiter is not None
        monkeypatch.setattr(limiter, "_clock", lambda: now[0])
    url, stop = api.serve_in_thread()
    try:
        yield Limited(url, now)
    finally:
        stop()
        _forget_limiters()


def limits(response: requests.Response) -> tuple[int, int, int]:
    h = response.headers
    return (
        int(h["X-RateLimit-Limit-Default"]),
        int(h["X-RateLimit-Remaining-Default"]),
        int(h["X-RateLimit-Reset-Default"]),
    )


def test_an_api_key_gets_its_limit_then_429_until_the_window_ends(limited: Limited, store: Any) -> None:
    store.load(base_dataset())
    reset = WINDOW_START + 60

    answers = [limited.get("/bookings/b-1/reassignments") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [limits(a) for a in answers] == [(3, 2, reset), (3, 1, reset), (3, 0, reset)]

    refused = limited.post("/bookings/b-1/reassign")
    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["status"] == "error" and body["error"]["code"] == "TooManyRequestsException"
    assert body["path"] == "/v2/bookings/b-1/reassign"
    assert refused.headers["Retry-After"] == str(reset - WINDOW_START - 15)  # 45 s, rounded up
    assert limits(refused) == (3, 0, reset)
    assert store.booking("b-1")["userId"] == 2, "a refused reassignment writes nothing"
    # One count per credential for every route behind the authorizer, the webhooks' too.
    webhooks = limited.get("/webhooks")
    assert webhooks.status_code == 429 and limits(webhooks) == (3, 0, reset)
    assert "TooManyRequestsException" in webhooks.text

    # Another credential has a count (and a limit) of its own.
    token = limited.get("/bookings/b-1/reassignments", token=MANAGED_TOKEN)
    assert token.status_code == 200 and limits(token) == (5, 4, reset)

    limited.now[0] = reset + 0.5  # the next window
    again = limited.post("/bookings/b-1/reassign")
    assert again.status_code == 200, again.text
    assert limits(again) == (3, 2, reset + 60)
    assert store.booking("b-1")["userId"] == 3


def test_errors_carry_the_headers_too(limited: Limited, store: Any) -> None:
    store.load(base_dataset())

    missing = limited.get("/bookings/nope/reassignments")
    bad_version = requests.get(
        f"{limited.url}/bookings/b-1/reassignments",
        headers={"Authorization": f"Bearer {OWNER_KEY}", "cal-api-version": "2020-01-01"},
        timeout=30,
    )

    assert missing.status_code == 404 and limits(missing)[:2] == (3, 2)
    assert bad_version.status_code == 400 and limits(bad_version)[:2] == (3, 1)
    # Without credentials nothing is counted, and no limit is shown.
    anonymous = requests.get(f"{limited.url}/bookings/b-1/reassignments", timeout=30)
    assert anonymous.status_code == 401 and "X-RateLimit-Limit-Default" not in anonymous.headers


@pytest.mark.parametrize("code", ["AccessDeniedException", "ResourceNotFoundException"])
def test_a_counter_that_fails_leaves_the_request_uncounted_not_failed(
    limited: Limited,
    store: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    code: str,
) -> None:
    store.load(base_dataset())
    detail = "User arn:aws:iam::123456789012:user/ci is not authorized"
    for limiter in (runtime.rate_limiter(), webhook_runtime.rate_limiter()):
        assert limiter is not None

        def refuse(*_: Any) -> int:
            raise ClientError({"Error": {"Code": code, "Message": detail}}, "UpdateItem")

        monkeypatch.setattr(limiter._counter, "count", refuse)

    read = limited.get("/bookings/b-1/reassignments")
    reassigned = limited.post("/bookings/b-1/reassign")
    webhooks = limited.get("/webhooks")

    for answer in (read, reassigned, webhooks):
        assert answer.status_code == 200, answer.text
        assert "X-RateLimit-Limit-Default" not in answer.headers
    assert store.booking("b-1")["userId"] == 3, "the reassignment went through"
    warnings = [r for r in caplog.records if r.getMessage().startswith("Request not counted")]
    assert len(warnings) == 3 and {getattr(r, "errorCode", None) for r in warnings} == {code}
    assert detail not in caplog.text and all(detail not in str(r.__dict__) for r in warnings)
