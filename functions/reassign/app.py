"""Reassign function: the reassign routes, the two read routes that show the choice before and after
it is made, and direct invocation. Routing and shapes only."""

from __future__ import annotations

import gc

# What the init phase creates (modules, models, the client) lives as long as the execution
# environment: collecting while it is built only walks the growing heap again and again.
gc.disable()

import re
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, field_validator

from reassign_core import runtime
from reassign_core.api.api_version import ApiVersion
from reassign_core.api.direct_invocation import DirectEvent, answer_direct_invocation, is_api_gateway_request
from reassign_core.api.envelopes import DOCUMENTED_RESPONSES, SuccessEnvelope, success_body
from reassign_core.api.preview_envelopes import (
    CANDIDATES_RESPONSES,
    HISTORY_RESPONSES,
    CandidatesEnvelope,
    HistoryEnvelope,
    candidates_body,
    history_body,
)
from reassign_core.api.rate_limits import rate_limited
from reassign_core.api.rest_resolver import no_store, rest_resolver
from reassign_core.domain.errors import BookingNotFound, InvalidRequest, NotAuthenticated
from reassign_core.domain.models import RequestSource
from reassign_core.observability import publish_metrics
from reassign_core.services.reassign import ReassignRequest

MAX_INT32 = 2**31 - 1

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # DynamoDB calls as subsegments; nothing else to patch
metrics = Metrics()

# A POST whose uid no route accepts (a slash, once decoded, or characters outside the routes'
# pattern) is after a booking that cannot exist: say so, not "unknown route".
_BOOKING_PATH = re.compile(r"/bookings/(?P<uid>.+)/reassign(?:/[^/]*)?/?", re.DOTALL)


def _unmatched(method: str, path: str) -> BookingNotFound | None:
    shaped = _BOOKING_PATH.fullmatch(path) if method == "POST" else None
    return BookingNotFound(shaped["uid"]) if shaped else None


app = rest_resolver(logger, versioned=True, unmatched=_unmatched)

BookingUid = Annotated[str, Path(min_length=1, max_length=255, description="The booking's uid")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="idempotency-key", min_length=1, max_length=255, description="Replay-safe retries"),
]


# Control characters (NUL, ESC, CR/LF) and bidirectional overrides/isolates would reach the booking,
# the audit record and every e-mail or webhook built from the event: refused at the door.
_UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _safe_text(text: str | None) -> str | None:
    if text is not None and _UNSAFE_TEXT.search(text):
        raise ValueError("must not contain control or bidirectional-override characters")
    return text


class ReassignBody(BaseModel):
    """Optional body of the manual route; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")
    reason: str | None = Field(default=None, max_length=500, description="Why the booking was reassigned")

    _reason_is_plain_text = field_validator("reason")(_safe_text)


class ReassignEvent(DirectEvent):
    """The event of a direct invocation: the same request as the HTTP routes, the actor named."""

    booking_uid: str = Field(alias="bookingUid", min_length=1, max_length=255)
    # JSON integers only: no "7", no true (an IAM caller names the actor; nothing is guessed).
    actor_user_id: int = Field(alias="actorUserId", gt=0, le=MAX_INT32, strict=True)
    user_id: int | None = Field(default=None, alias="userId", gt=0, le=MAX_INT32, strict=True)
    reason: str | None = Field(default=None, max_length=500)

    _reason_is_plain_text = field_validator("reason")(_safe_text)
    idempotency_key: str | None = Field(default=None, alias="idempotencyKey", min_length=1, max_length=255)

    def request(self) -> ReassignRequest:
        # A reason is recorded for manual reassignments only, as on the HTTP routes.
        reason = self.reason if self.user_id is not None else None
        return ReassignRequest(
            self.booking_uid, self.actor_user_id, self.user_id, reason, source=RequestSource.DIRECT
        )

    def public_path(self) -> str:
        suffix = f"/{self.user_id}" if self.user_id is not None else ""
        return f"/v2/bookings/{self.booking_uid}/reassign{suffix}"

    @classmethod
    def public_path_of_malformed(cls, event: Any) -> str:
        uid = str(event.get("bookingUid", "")) if isinstance(event, dict) else ""
        return f"/v2/bookings/{uid}/reassign"


# --- HTTP --------------------------------------------------------------------------------------


@app.post(
    "/bookings/<bookingUid>/reassign",
    summary="Reassign a round-robin booking to an automatically chosen host",
    responses=DOCUMENTED_RESPONSES,
    middlewares=[no_store],
)
def reassign_automatically(
    bookingUid: BookingUid,
    cal_api_version: ApiVersion,
    idempotency_key: IdempotencyKey = None,
) -> SuccessEnvelope:
    return _reassign(ReassignRequest(bookingUid, _caller_id(), source=RequestSource.HTTP), idempotency_key)


@app.post(
    "/bookings/<bookingUid>/reassign/<userId>",
    summary="Reassign a round-robin booking to a specific host",
    responses=DOCUMENTED_RESPONSES,
    middlewares=[no_store],
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
    request = ReassignRequest(bookingUid, _caller_id(), userId, reason, source=RequestSource.HTTP)
    return _reassign(request, idempotency_key)


@app.get(
    "/bookings/<bookingUid>/reassignment-candidates",
    summary="Every candidate for an auto reassignment, ranked as it would choose, with why others cannot",
    responses=CANDIDATES_RESPONSES,
    middlewares=[no_store],
)
def reassignment_candidates(bookingUid: BookingUid, cal_api_version: ApiVersion) -> CandidatesEnvelope:
    return candidates_body(runtime.preview_service().candidates(bookingUid, _caller_id()))


@app.get(
    "/bookings/<bookingUid>/reassignments",
    summary="The booking's reassignments, newest first",
    responses=HISTORY_RESPONSES,
)
def reassignment_history(
    bookingUid: BookingUid,
    cal_api_version: ApiVersion,
    take: Annotated[int, Query(ge=1, le=250, description="How many records (as Cal.com: 1-250)")] = 100,
    skip: Annotated[int, Query(ge=0, le=10_000, description="How many of the newest to skip")] = 0,
) -> HistoryEnvelope:
    return history_body(runtime.preview_service().history(bookingUid, _caller_id(), take, skip))


def _caller_id() -> int:
    user_id = str(app.current_event.request_context.authorizer.get("userId") or "")
    if not user_id.isdigit():
        raise NotAuthenticated
    return int(user_id)


def _reassign(request: ReassignRequest, idempotency_key: str | None) -> SuccessEnvelope:
    return SuccessEnvelope.model_validate(_execute(request, idempotency_key, app.lambda_context))


# --- both entries ------------------------------------------------------------------------------


def _execute(request: ReassignRequest, idempotency_key: str | None, context: LambdaContext) -> dict[str, Any]:
    def execute(r: ReassignRequest) -> dict[str, Any]:
        result = runtime.reassign_service().reassign(r)
        if result.changed:  # counted once, when written: not for a no-op nor an idempotent replay
            metrics.add_metric(name="Reassigned", unit=MetricUnit.Count, value=1)
        return success_body(result)

    if idempotency_key is None:
        body = execute(request)
    else:
        runner = runtime.idempotent_runner()
        # The in-progress lock expires with this invocation, so a crashed attempt cannot block retries.
        runner.config.register_lambda_context(context)
        body = runner.run(execute, request, idempotency_key)
    return body


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@publish_metrics(metrics)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_api_gateway_request(event):
        return rate_limited(event, lambda: app.resolve(event, context), runtime.rate_limiter())

    def run(invocation: ReassignEvent) -> dict[str, Any]:
        return _execute(invocation.request(), invocation.idempotency_key, context)

    return answer_direct_invocation(event, ReassignEvent, run, logger)


# --- init phase --------------------------------------------------------------------------------

# The settings are read and checked, and the DynamoDB client and the service made, now in the
# init phase: a missing setting fails the start, and the first request pays for neither.
runtime.reassign_service()
runtime.rate_limiter()
# No later collection walks the ~100k objects init made. The few hundred already garbage by now
# (~200 kB of import temporaries, as Lambda lays the code out) stay: cheaper than collecting them.
gc.freeze()
gc.enable()
