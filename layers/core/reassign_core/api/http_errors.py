"""Errors of a REST route → the error envelope and its status: the handlers every REST function
registers on its resolver, so each answers every failure alike."""

from __future__ import annotations

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
from reassign_core.domain.errors import ReassignError

# A body the resolver could not read as JSON: malformed, or sent as another content type.
BODY_NOT_JSON = "body: must be JSON (Content-Type: application/json)"


def error_response(
    app: APIGatewayRestResolver, outcome: ErrorOutcome, details: dict[str, Any] | None = None
) -> Response:
    headers = {"Retry-After": str(outcome.retry_after_seconds)} if outcome.retry_after_seconds else None
    return Response(
        status_code=outcome.status,
        content_type="application/json",
        body=error_body(outcome, app.current_event.request_context.path, details),
        headers=headers,
    )


def register_error_handlers(app: APIGatewayRestResolver, logger: Logger) -> None:
    """Every failure of a route answers the error envelope; unexpected ones are logged, never shown."""

    @app.exception_handler(ReassignError)
    def handle_domain_error(error: ReassignError) -> Response:
        return error_response(app, outcome_of(error))

    @app.exception_handler([RequestValidationError, RequestUnsupportedContentType])
    def handle_invalid_request(error: RequestValidationError | RequestUnsupportedContentType) -> Response:
        problems = error.errors()
        if isinstance(error, RequestUnsupportedContentType) or any(
            p["type"] == "json_invalid" for p in problems
        ):
            described = [BODY_NOT_JSON]
        else:
            described = describe_problems(problems)
        return error_response(app, bad_request(described), {"errors": described})

    @app.not_found
    def handle_unknown_route(error: Exception) -> Response:
        event = app.current_event
        return error_response(app, not_found(f"Cannot {event.http_method} {event.request_context.path}"))

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        logger.exception("Unexpected error")
        return error_response(app, INTERNAL_ERROR)
