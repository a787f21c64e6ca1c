"""Sync function: Cal.com's webhooks (POST /v2/sync/calcom) applied to the store.

No Bearer authorizer: the request is authenticated by its X-Cal-Signature-256 header, checked on
the raw body before anything is parsed. The rules live in reassign_core.services.sync."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from reassign_core import sync_runtime
from reassign_core.api.envelopes import error_body, success
from reassign_core.api.outcomes import ErrorOutcome, bad_request, outcome_of
from reassign_core.domain.errors import InvalidRequest, ReassignError
from reassign_core.sync.calcom import parse_event
from reassign_core.sync.signature import is_valid

MAX_BODY_BYTES = 256 * 1024  # Cal.com's booking payloads are a few kilobytes
SIGNATURE_HEADER = "x-cal-signature-256"
UNSIGNED = ErrorOutcome(401, "UnauthorizedException", "Missing or invalid X-Cal-Signature-256")
SECRET_UNAVAILABLE = ErrorOutcome(503, "ServiceUnavailableException", "Retry shortly", retry_after_seconds=1)
TOO_LARGE = ErrorOutcome(413, "PayloadTooLargeException", f"Body exceeds {MAX_BODY_BYTES} bytes")

logger = Logger()


def _answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store", **(headers or {})},
        "body": json.dumps(body),
    }


def _error(outcome: ErrorOutcome, path: str) -> dict[str, Any]:
    retry = outcome.retry_after_seconds
    return _answer(outcome.status, error_body(outcome, path), {"Retry-After": str(retry)} if retry else None)


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("Body is not valid base64") from None
    return body.encode("utf-8")


def _signature(event: dict[str, Any]) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == SIGNATURE_HEADER:
            return str(value)
    return None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = str(event.get("path") or "/v2/sync/calcom")
    try:
        body = _raw_body(event)
    except InvalidRequest as error:
        return _error(bad_request([error.message]), path)
    if len(body) > MAX_BODY_BYTES:
        return _error(TOO_LARGE, path)
    try:
        secret = sync_runtime.webhook_secret()
    except Exception:  # Secrets Manager unreachable or the setting missing: retryable, never a 500
        logger.exception("the sync secret could not be read")
        return _error(SECRET_UNAVAILABLE, path)
    if not is_valid(secret, body, _signature(event)):
        return _error(UNSIGNED, path)
    try:
        sync_event = parse_event(body)
        outcome = sync_runtime.sync_service().ingest(sync_event, body)
    except InvalidRequest as error:
        return _error(bad_request([error.message]), path)
    except ReassignError as error:  # the store busy or contended: Cal.com retries
        return _error(outcome_of(error), path)
    logger.info("sync event", trigger=outcome.trigger, uid=outcome.uid, applied=outcome.applied)
    data = {"applied": outcome.applied, "triggerEvent": outcome.trigger, "uid": outcome.uid}
    return _answer(200, success(data))


sync_runtime.sync_service()  # clients, the service and the email directory read now, not on an event
