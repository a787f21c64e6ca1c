"""No key or token plaintext ever reaches a log line or a response, on any path, at any log level."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from reassign_core import runtime
from tests.factories import LambdaContext, http_event
from tests.faults.injection import UNAVAILABLE, Faults
from tests.security.credentials import EXPECTED, MALFORMED, SECRETS, authorize, near_misses, security_dataset


class Tee(io.StringIO):
    """Collects everything a log handler writes."""


@pytest.fixture
def every_log_line(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tee]:
    """Every logger at DEBUG, every stream handler (Powertools' JSON ones included) writing here too."""
    collected = Tee()
    capture = logging.StreamHandler(collected)
    loggers = [
        logging.getLogger(),
        *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for logger in loggers:
        monkeypatch.setattr(logger, "level", logging.DEBUG)
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler is not capture:
                monkeypatch.setattr(handler, "stream", collected)
                monkeypatch.setattr(handler, "level", logging.DEBUG)
    logging.getLogger().addHandler(capture)
    logging.getLogger().manager._clear_cache()  # levels are cached per logger
    yield collected
    logging.getLogger().removeHandler(capture)
    logging.getLogger().manager._clear_cache()


class _Crashing:
    def reassign(self, request: Any) -> Any:
        raise RuntimeError("unexpected failure deep inside")


def test_no_secret_appears_in_any_log_or_response_of_a_full_run(
    store: Any,
    authorizer_app: Any,
    reassign_app: Any,
    every_log_line: Tee,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers: list[Any] = []
    tried: set[str] = set(SECRETS)

    # Load, then authorize every credential, near miss and malformed header
    data = security_dataset()
    store.load(data)
    for secret in SECRETS:
        answers.append(authorize(authorizer_app, f"Bearer {secret}"))
        for near_miss in near_misses(secret):
            tried.add(near_miss)
            answers.append(authorize(authorizer_app, f"Bearer {near_miss}"))
    for authorization in MALFORMED:
        answers.append(authorize(authorizer_app, authorization))

    # Reassign through HTTP events that still carry the caller's Authorization header
    def http(path: str, secret: str, user_id: int, **extra: Any) -> None:
        headers = {"Authorization": f"Bearer {secret}", **extra.pop("headers", {})}
        answer = reassign_app.lambda_handler(
            http_event(path, headers=headers, user_id=user_id, **extra), LambdaContext()
        )
        answers.append(answer)

    owner, outsider = SECRETS[0], SECRETS[1]
    http("/bookings/b-1/reassign", owner, 1)
    http("/bookings/b-1/reassign/4", owner, 1, body='{"reason": "swap"}', headers={"Idempotency-Key": "k1"})
    http("/bookings/b-1/reassign/3", owner, 1, headers={"Idempotency-Key": "k1"})  # 422
    http("/bookings/b-1/reassign", outsider, 6)  # 403
    http("/bookings/nope/reassign", owner, 1)  # 404
    http("/bookings/b-1/reassign/abc", owner, 1)  # 400
    http("/bookings/b-1/reassign", owner, 1, headers={"cal-api-version": "bad"})  # 400
    http("/bookings/b-1/reassign", owner, None)  # 401
    faults = Faults(runtime.dynamodb_client(runtime.reassign_settings().endpoint_url))
    faults.fail("TransactWriteItems", UNAVAILABLE["throttling"])
    http("/bookings/b-1/reassign", owner, 1)  # 503
    faults.close()
    with monkeypatch.context() as patched:
        patched.setattr(runtime, "reassign_service", _Crashing)
        http("/bookings/b-1/reassign", owner, 1)  # 500
        answers.append(reassign_app.lambda_handler({"bookingUid": "b-1", "actorUserId": 1}, LambdaContext()))
    # And directly
    for event in (
        {"bookingUid": "b-1", "actorUserId": 1},
        {"bookingUid": "nope", "actorUserId": 1},
        {"x": 1},
    ):
        answers.append(reassign_app.lambda_handler(event, LambdaContext()))

    captured = capfd.readouterr()
    everything = "\n".join([every_log_line.getvalue(), captured.out, captured.err])

    # The capture really saw the logs of every path, at debug level too...
    for line in ("Booking reassigned", "Credentials rejected", "Unexpected error", "Making request for"):
        assert line in everything, line
    statuses = [a["statusCode"] for a in answers if isinstance(a, dict) and "statusCode" in a]
    assert {200, 400, 401, 403, 404, 422, 500, 503} <= set(statuses)
    assert {"allow:1", "deny", "unauthorized"} <= {a for a in answers if isinstance(a, str)}
    # ...and no secret, near miss or "Bearer <secret>" is anywhere in them, nor in any answer
    responses = json.dumps(answers, default=str)
    for secret in sorted(tried):
        for form in {secret, f"Bearer {secret}", json.dumps(secret)[1:-1]}:
            assert form not in everything, f"{secret!r} leaked into the logs"
            assert form not in responses, f"{secret!r} leaked into a response"
    assert len(tried) > len(EXPECTED)
