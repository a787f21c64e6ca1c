"""Reassign function: the two HTTP routes and direct invocation. Routing and shapes only."""

from __future__ import annotations

import gc

# What the init phase creates (modules, models, the client) lives as long as the execution
# environment: collecting while it is built only walks the growing heap again and again.
gc.disable()

import json
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reassign_core import runtime
from reassign_core.api.responses import (
    DOCUMENTED_RESPONSES,
    INTERNAL_ERROR,
    ErrorOutcome,
    SuccessEnvelope,
    error_body,
    outcome_of,
    reassign_path,
    success_body,
)
from reassign_core.domain.errors import InvalidRequest, NotAuthenticated, ReassignError, UnsupportedApiVersion
from reassign_core.services.reassign import ReassignRequest

API_VERSION = "2024-08-13"
MAX_INT32 = 2**31 - 1

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # DynamoDB calls as subsegments; nothing else to patch
metrics = Metrics()
app = APIGatewayRestResolver(enable_validation=True)

BookingUid = Annotated[str, Path(min_length=1, max_length=255, description="The booking's uid")]
ApiVersion = Annotated[str, Header(alias="cal-api-version", description="Must be 2024-08-13")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="idempotency-key", min_length=1, max_length=255, description="Replay-safe retries"),
]


class ReassignBody(BaseModel):
    """Optional body of the manual route; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")
    reason: str | None = Field(default=None, max_length=500, description="Why the booking was reassigned")


class DirectInvocation(BaseModel):
    """The event of a direct Lambda invocation (docs/api.md, Direct invocation)."""

    model_config = ConfigDict(extra="ignore")
    booking_uid: str = Field(alias="bookingUid", min_length=1, max_length=255)
    actor_user_id: int = Field(alias="actorUserId", gt=0, le=MAX_INT32)
    user_id: int | None = Field(default=None, alias="userId", gt=0, le=MAX_INT32)
    reason: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(default=None, alias="idempotencyKey", min_length=1, max_length=255)


# --- HTTP --------------------------------------------------------------------------------------


@app.post(
    "/bookings/<bookingUid>/reassign",
    summary="Reassign a round-robin booking to an automatically chosen host",
    responses=DOCUMENTED_RESPONSES,
)
def reassign_automatically(
    bookingUid: BookingUid,
    cal_api_version: ApiVersion,
    idempotency_key: IdempotencyKey = None,
) -> SuccessEnvelope:
    return _reassign(ReassignRequest(bookingUid, _caller_id()), idempotency_key)


@app.post(
    "/bookings/<bookingUid>/reassign/<userId>",
    summary="Reassign a round-robin booking to a specific host",
    responses=DOCUMENTED_RESPONSES,
)
def reassign_to_user(
    bookingUid: BookingUid,
    userId: Annotated[int, Path(gt=0, le=MAX_INT32, description="The new host's user id")],
    cal_api_version: ApiVersion,
    body: Annotated[ReassignBody | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> SuccessEnvelope:
    # Validation accepts what int() does ("+3", " 3", "1_0"); a path id is plain digits only.
    raw_user_id = app.current_event.path_parameters["userId"]
    if not (raw_user_id.isascii() and raw_user_id.isdecimal()):
        raise InvalidRequest("userId: must be a positive integer")
    reason = body.reason if body else None
    return _reassign(ReassignRequest(bookingUid, _caller_id(), userId, reason), idempotency_key)


def _caller_id() -> int:
    user_id = str(app.current_event.request_context.authorizer.get("userId") or "")
    if not user_id.isdigit():
        raise NotAuthenticated
    return int(user_id)


def _reassign(request: ReassignRequest, idempotency_key: str | None) -> SuccessEnvelope:
    return SuccessEnvelope.model_validate(_execute(request, idempotency_key, app.lambda_context))


def _execute(request: ReassignRequest, idempotency_key: str | None, context: LambdaContext) -> dict[str, Any]:
    def execute(r: ReassignRequest) -> dict[str, Any]:
        return success_body(runtime.reassign_service().reassign(r))

    if idempotency_key is None:
        body = execute(request)
    else:
        runner = runtime.idempotent_runner()
        # The in-progress lock expires with this invocation, so a crashed attempt cannot block retries.
        runner.config.register_lambda_context(context)
        body = runner.run(execute, request, idempotency_key)
    metrics.add_metric(name="Reassigned", unit=MetricUnit.Count, value=1)
    return body


def _http_error(outcome: ErrorOutcome, details: dict[str, Any] | None = None) -> Response:
    headers = {"Retry-After": str(outcome.retry_after_seconds)} if outcome.retry_after_seconds else None
    return Response(
        status_code=outcome.status,
        content_type="application/json",
        body=error_body(outcome, app.current_event.request_context.path, details),
        headers=headers,
    )


@app.exception_handler(ReassignError)
def handle_domain_error(error: ReassignError) -> Response:
    return _http_error(outcome_of(error))


@app.exception_handler(RequestValidationError)
def handle_invalid_request(error: RequestValidationError) -> Response:
    problems = [_describe(problem) for problem in error.errors()]
    outcome = ErrorOutcome(400, "BadRequestException", "; ".join(problems) or "Invalid request")
    return _http_error(outcome, {"errors": problems})


@app.not_found
def handle_unknown_route(error: Exception) -> Response:
    event = app.current_event
    message = f"Cannot {event.http_method} {event.request_context.path}"
    return _http_error(ErrorOutcome(404, "NotFoundException", message))


@app.exception_handler(Exception)
def handle_unexpected(error: Exception) -> Response:
    logger.exception("Unexpected error")
    return _http_error(INTERNAL_ERROR)


def _describe(problem: dict[str, Any]) -> str:
    location = ".".join(
        str(part) for part in problem.get("loc", ()) if part not in ("body", "path", "header")
    )
    return f"{location or 'body'}: {problem.get('msg', 'is invalid')}"


def _header(event: dict[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    return next((value for key, value in headers.items() if key.lower() == name), None)


# --- direct invocation -------------------------------------------------------------------------


def _direct(event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        invocation = DirectInvocation.model_validate(event)
    except ValidationError as error:
        problems = [_describe(dict(p)) for p in error.errors(include_url=False)]
        outcome = ErrorOutcome(400, "BadRequestException", "; ".join(problems))
        path = reassign_path(str(event.get("bookingUid", "")) if isinstance(event, dict) else "", None)
        return {"statusCode": 400, **error_body(outcome, path, {"errors": problems})}
    # A reason is recorded for manual reassignments only, as on the HTTP routes.
    reason = invocation.reason if invocation.user_id is not None else None
    request = ReassignRequest(invocation.booking_uid, invocation.actor_user_id, invocation.user_id, reason)
    try:
        return {"statusCode": 200, **_execute(request, invocation.idempotency_key, context)}
    except Exception as error:  # a direct caller always gets an envelope, never a raise
        outcome = outcome_of(error)
        if outcome is INTERNAL_ERROR:
            logger.exception("Unexpected error")
        return {
            "statusCode": outcome.status,
            **error_body(outcome, reassign_path(request.booking_uid, request.target_id)),
        }


# --- entry point -------------------------------------------------------------------------------


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if not (isinstance(event, dict) and "httpMethod" in event and "requestContext" in event):
        return _direct(event, context)
    # The version is checked before the input's shape (docs/api.md, order of checks).
    if _header(event, "cal-api-version") != API_VERSION:
        path = (event.get("requestContext") or {}).get("path") or event.get("path") or ""
        return {
            "statusCode": 400,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(error_body(outcome_of(UnsupportedApiVersion()), path)),
            "isBase64Encoded": False,
        }
    return app.resolve(event, context)


# --- init phase --------------------------------------------------------------------------------

# The DynamoDB client and the service are made now, in the init phase, not in the first request.
runtime.reassign_service()
# No later collection walks the ~100k objects init made. The few hundred already garbage by now
# (~200 kB of import temporaries, as Lambda lays the code out) stay: cheaper than collecting them.
gc.freeze()
gc.enable()
