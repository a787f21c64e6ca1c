"""Errors of a REST route → the error envelope and its status: the handlers every REST function
registers on its resolver, so each answers every failure alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from reassign_core.api.envelopes import error_body
from reassign_core.api.outcomes import (
    INTERNAL_ERROR,
    ErrorOutcome,
    bad_request,
    describe_problems,
    not_found,
    outcome_of,
)
from reassign_core.domain.errors import InvalidRequest, ReassignError, UnsupportedApiVersion

# A body the resolver could not read as JSON: malformed, or sent as another content type.
BODY_NOT_JSON = "body: must be JSON (Content-Type: application/json)"
# JSON, but past what the parser takes: arrays or objects nested about a thousand deep, or an
# integer of more than 4,300 digits.
BODY_BEYOND_LIMITS = "body: JSON nested too deeply or with a number too long"


def error_response(
    app: APIGatewayRestResolver,
    outcome: ErrorOutcome,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    headers = dict(headers or {})
    if outcome.retry_after_seconds:
        headers["Retry-After"] = str(outcome.retry_after_seconds)
    return Response(
        status_code=outcome.status,
        content_type="application/json",
        body=error_body(outcome, app.current_event.request_context.path, details),
        headers=headers or None,
    )


def register_error_handlers(
    app: APIGatewayRestResolver,
    logger: Logger,
    headers: Mapping[str, str] | None = None,
    unmatched: Callable[[str, str], ReassignError | None] | None = None,
) -> None:
    """Every failure of a route answers the error envelope (with `headers`); unexpected ones are
    logged, never shown. `unmatched(method, path)` may name what a request no route matched was
    after (e.g. a booking whose uid no route accepts) instead of an unknown route."""

    @app.exception_handler(ReassignError)
    def handle_domain_error(error: ReassignError) -> Response:
        # Malformed input lists its problem like the resolver's own validation does; a wrong API
        # version is the only thing said, with nothing about the rest of the request.
        listed = isinstance(error, InvalidRequest) and not isinstance(error, UnsupportedApiVersion)
        details = {"errors": [error.message]} if listed else None
        return error_response(app, outcome_of(error), details, headers=headers)

    @app.exception_handler([RequestValidationError, RequestUnsupportedContentType])
    def handle_invalid_request(error: RequestValidationError | RequestUnsupportedContentType) -> Response:
        problems = error.errors()
        if isinstance(error, RequestUnsupportedContentType) or any(
            p["type"] == "json_invalid" for p in problems
        ):
            described = [BODY_NOT_JSON]
        else:
            described = describe_problems(problems)
        return error_response(app, bad_request(described), {"errors": described}, headers=headers)

    @app.not_found
    def handle_unknown_route(error: Exception) -> Response:
        event = app.current_event
        meant = unmatched(event.http_method, event.path) if unmatched else None
        if meant is not None:
            return error_response(app, outcome_of(meant), headers=headers)
        return error_response(
            app, not_found(f"Cannot {event.http_method} {event.request_context.path}"), headers=headers
        )

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        logger.exception("Unexpected error")
        return error_response(app, INTERNAL_ERROR, headers=headers)
