"""Direct invocation (AWS SDK Invoke, Step Functions): the event parsed by its own model, and the
answer the same envelope an HTTP caller gets, plus the `statusCode` that request would have had.
A direct caller always gets an envelope: a malformed event or a failure never raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, ValidationError

from reassign_core.api.envelopes import error_body
from reassign_core.api.outcomes import (
    INTERNAL_ERROR,
    ErrorOutcome,
    bad_request,
    describe_problems,
    outcome_of,
)


class DirectEvent(BaseModel):
    """The event of one kind of direct invocation; it names the public path it stands for."""

    model_config = ConfigDict(extra="ignore")

    def public_path(self) -> str:
        raise NotImplementedError

    @classmethod
    def public_path_of_malformed(cls, event: Any) -> str:
        """The path to report for an event that did not parse: as much of it as can be told."""
        return ""


def is_api_gateway_request(event: Any) -> bool:
    """An API Gateway (REST) proxy event, rather than a direct invocation's own event."""
    return isinstance(event, dict) and "httpMethod" in event and "requestContext" in event


def answer_direct_invocation[Event: DirectEvent](
    event: Any, kind: type[Event], run: Callable[[Event], dict[str, Any]], logger: Logger
) -> dict[str, Any]:
    """run's success body, or the error envelope; both with the status an HTTP request would get."""
    try:
        parsed = kind.model_validate(event)
    except ValidationError as error:
        problems = describe_problems(error.errors(include_url=False))
        return _answer(bad_request(problems), kind.public_path_of_malformed(event), {"errors": problems})
    try:
        return {"statusCode": 200, **run(parsed)}
    except Exception as error:
        outcome = outcome_of(error)
        if outcome is INTERNAL_ERROR:
            logger.exception("Unexpected error")
        return _answer(outcome, parsed.public_path())


def _answer(outcome: ErrorOutcome, path: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"statusCode": outcome.status, **error_body(outcome, path, details)}
