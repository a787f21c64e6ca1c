"""Rate limits around a REST function's answer: the request counted as it arrives, the limit's
headers on every answer to a caller with credentials, and a 429 in the error envelope over it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from reassign_core.api.envelopes import error_body
from reassign_core.api.outcomes import outcome_of
from reassign_core.domain.errors import RateLimited, StoreUnavailable
from reassign_core.services.rate_limit import Credential, RateLimiter, counting

logger = Logger(child=True)

Answer = dict[str, Any]


def credential_of(event: Mapping[str, Any]) -> Credential | None:
    """The credential the authorizer named (an id derived from the token's hash), if any."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    credential_id, method = context.get("credentialId"), context.get("authMethod")
    if not credential_id or not method:
        return None
    return Credential(str(credential_id), str(method))


def rate_limited(
    event: Mapping[str, Any],
    answer: Callable[[], Answer],
    limiter: RateLimiter | None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """`answer()` with the credential's request counted alongside. A route writes only after
    `rate_limit.admit()`, so an answer the limit turns into a 429 here wrote nothing."""
    credential = credential_of(event)
    pending = limiter.start(credential) if limiter is not None and credential is not None else None
    if pending is None:
        return answer()
    with counting(pending):
        response = answer()
    try:
        refusal = pending.refusal()
    except StoreUnavailable:  # the answer stands (a route that admitted has answered 503 already)
        logger.warning("Request not counted: the store is busy")
        return response
    state = pending.state()
    if state is None:  # the counter failed (logged): the answer stands, without the limit's headers
        return response
    if refusal is not None and response.get("statusCode") != 429:
        response = too_many_requests(event, refusal.retry_after_seconds, headers)
    _add_headers(response, state.headers())
    return response


def too_many_requests(
    event: Mapping[str, Any], retry_after_seconds: int, headers: Mapping[str, str] | None = None
) -> Answer:
    outcome = outcome_of(RateLimited(retry_after_seconds))
    path = (event.get("requestContext") or {}).get("path") or ""
    return {
        "statusCode": outcome.status,
        "headers": {
            "Content-Type": "application/json",
            "Retry-After": str(retry_after_seconds),
            **(headers or {}),
        },
        "body": json.dumps(error_body(outcome, path), separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _add_headers(response: Answer, added: Mapping[str, str]) -> None:
    if "multiValueHeaders" in response:
        multi = response["multiValueHeaders"] = dict(response["multiValueHeaders"] or {})
        multi.update({name: [value] for name, value in added.items()})
    if "headers" in response or "multiValueHeaders" not in response:
        response["headers"] = {**(response.get("headers") or {}), **added}
