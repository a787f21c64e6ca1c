"""Webhooks function: the subscriptions API (user and event-type webhooks, deliveries, ping).
Routing and shapes only; the rules live in reassign_core.services.webhook_subscriptions."""

from __future__ import annotations

import gc

# Init-phase objects live as long as the execution environment (see functions/reassign/app.py).
gc.disable()

import json
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from reassign_core import webhook_runtime
from reassign_core.api.envelopes import error_body, success
from reassign_core.api.http_errors import BODY_NOT_JSON
from reassign_core.api.outcomes import bad_request
from reassign_core.api.rate_limits import rate_limited
from reassign_core.api.rest_resolver import is_json_content_type, rest_resolver
from reassign_core.api.webhook_responses import (
    DeliveryListEnvelope,
    PingEnvelope,
    WebhookEnvelope,
    WebhookListEnvelope,
    documented,
)
from reassign_core.domain.errors import InvalidRequest, NotAuthenticated
from reassign_core.services.rate_limit import admit
from reassign_core.services.webhook_subscriptions import Access
from reassign_core.webhooks.subscriptions import Owner, WebhookCreate, WebhookPatch

MAX_INT32 = 2**31 - 1

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])

WebhookId = Annotated[str, Path(min_length=1, max_length=64, description="The webhook's id")]
EventTypeId = Annotated[int, Path(gt=0, le=MAX_INT32, description="The event type's id")]
Take = Annotated[int, Query(ge=1, le=250, description="How many, 1-250")]
Skip = Annotated[int, Query(ge=0, le=MAX_INT32, description="How many to skip")]
NO_STORE = {"Cache-Control": "no-store"}  # answers carry e-mail addresses and subscriber URLs
app = rest_resolver(logger, versioned=False, error_headers=NO_STORE)


def _access(write: bool) -> Access:
    """The caller, once the OAuth client's scope is checked (before anything else is read)."""
    context = app.current_event.request_context.authorizer
    user_id = str(context.get("userId") or "")
    if not user_id.isdigit():
        raise NotAuthenticated
    access = Access(int(user_id), str(context.get("authMethod") or ""), context.get("clientId") or None)
    webhook_runtime.subscription_service().check_scope(access, write)
    return access


def _service() -> Any:
    return webhook_runtime.subscription_service()


def _user_owner(write: bool) -> Owner:
    owner = _service().user_owner(_access(write))
    if write:  # a read is refused over the limit once answered; a write never starts
        admit()
    return owner


def _event_type_owner(write: bool) -> Owner:
    access = _access(write)
    raw = app.current_event.path_parameters["eventTypeId"]
    if not (raw.isascii() and raw.isdecimal()):  # validation takes "+3", " 3" and "1_0" as numbers
        raise InvalidRequest("eventTypeId: must be a positive integer")
    owner = _service().event_type_owner(access, int(raw))
    admit()  # the count came back while the event type and the caller's roles were read
    return owner


def _ok(data: Any, status: int = 200) -> Response[Any]:
    return Response(status, "application/json", success(data), headers=NO_STORE)


def _documented(status: int, model: Any, event_type: bool, body: bool = False) -> dict[str, Any]:
    return {"responses": documented(status, model, "OK", body=body, event_type=event_type)}


# --- user webhooks: the caller's own ---------------------------------------------------------------


@app.post(
    "/webhooks", summary="Create a webhook of the caller", **_documented(201, WebhookEnvelope, False, True)
)
def create_user_webhook(body: Annotated[WebhookCreate, Body()]) -> Response[Any]:
    return _ok(_service().create(_user_owner(write=True), body), 201)


@app.get(
    "/webhooks", summary="The caller's webhooks, oldest first", **_documented(200, WebhookListEnvelope, False)
)
def list_user_webhooks(take: Take = 250, skip: Skip = 0) -> Response[Any]:
    return _ok(_service().list_webhooks(_user_owner(write=False), take, skip))


@app.get(
    "/webhooks/<webhookId>",
    summary="One of the caller's webhooks",
    **_documented(200, WebhookEnvelope, False),
)
def get_user_webhook(webhookId: WebhookId) -> Response[Any]:
    return _ok(_service().get(_user_owner(write=False), webhookId))


@app.patch(
    "/webhooks/<webhookId>",
    summary="Update one of the caller's webhooks",
    **_documented(200, WebhookEnvelope, False, True),
)
def update_user_webhook(webhookId: WebhookId, body: Annotated[WebhookPatch, Body()]) -> Response[Any]:
    return _ok(_service().update(_user_owner(write=True), webhookId, body))


@app.delete(
    "/webhooks/<webhookId>",
    summary="Delete one of the caller's webhooks",
    **_documented(200, WebhookEnvelope, False),
)
def delete_user_webhook(webhookId: WebhookId) -> Response[Any]:
    return _ok(_service().delete(_user_owner(write=True), webhookId))


@app.get(
    "/webhooks/<webhookId>/deliveries",
    summary="A webhook's deliveries, newest first",
    **_documented(200, DeliveryListEnvelope, False),
)
def list_user_webhook_deliveries(webhookId: WebhookId, take: Take = 250, skip: Skip = 0) -> Response[Any]:
    return _ok(_service().deliveries(_user_owner(write=False), webhookId, take, skip))


@app.post(
    "/webhooks/<webhookId>/ping",
    summary="Send a PING to a webhook now",
    **_documented(200, PingEnvelope, False),
)
def ping_user_webhook(webhookId: WebhookId) -> Response[Any]:
    return _ok(_service().ping(_user_owner(write=True), webhookId))


# --- event-type webhooks: for whoever may manage the event type ------------------------------------

ET = "/event-types/<eventTypeId>/webhooks"


@app.post(ET, summary="Create a webhook of an event type", **_documented(201, WebhookEnvelope, True, True))
def create_event_type_webhook(
    eventTypeId: EventTypeId, body: Annotated[WebhookCreate, Body()]
) -> Response[Any]:
    return _ok(_service().create(_event_type_owner(write=True), body), 201)


@app.get(ET, summary="An event type's webhooks, oldest first", **_documented(200, WebhookListEnvelope, True))
def list_event_type_webhooks(eventTypeId: EventTypeId, take: Take = 250, skip: Skip = 0) -> Response[Any]:
    return _ok(_service().list_webhooks(_event_type_owner(write=False), take, skip))


@app.get(
    ET + "/<webhookId>", summary="One of an event type's webhooks", **_documented(200, WebhookEnvelope, True)
)
def get_event_type_webhook(eventTypeId: EventTypeId, webhookId: WebhookId) -> Response[Any]:
    return _ok(_service().get(_event_type_owner(write=False), webhookId))


@app.patch(
    ET + "/<webhookId>",
    summary="Update one of an event type's webhooks",
    **_documented(200, WebhookEnvelope, True, True),
)
def update_event_type_webhook(
    eventTypeId: EventTypeId, webhookId: WebhookId, body: Annotated[WebhookPatch, Body()]
) -> Response[Any]:
    return _ok(_service().update(_event_type_owner(write=True), webhookId, body))


@app.delete(
    ET + "/<webhookId>",
    summary="Delete one of an event type's webhooks",
    **_documented(200, WebhookEnvelope, True),
)
def delete_event_type_webhook(eventTypeId: EventTypeId, webhookId: WebhookId) -> Response[Any]:
    return _ok(_service().delete(_event_type_owner(write=True), webhookId))


@app.get(
    ET + "/<webhookId>/deliveries",
    summary="An event type webhook's deliveries, newest first",
    **_documented(200, DeliveryListEnvelope, True),
)
def list_event_type_webhook_deliveries(
    eventTypeId: EventTypeId, webhookId: WebhookId, take: Take = 250, skip: Skip = 0
) -> Response[Any]:
    return _ok(_service().deliveries(_event_type_owner(write=False), webhookId, take, skip))


@app.post(
    ET + "/<webhookId>/ping",
    summary="Send a PING to an event type's webhook now",
    **_documented(200, PingEnvelope, True),
)
def ping_event_type_webhook(eventTypeId: EventTypeId, webhookId: WebhookId) -> Response[Any]:
    return _ok(_service().ping(_event_type_owner(write=True), webhookId))


# --- entry point ---------------------------------------------------------------------------------


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return rate_limited(event, lambda: _answer(event, context), webhook_runtime.rate_limiter(), NO_STORE)


def _answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Before routing: Powertools would otherwise parse forms and multipart bodies itself, and
    # a mistyped query parameter must not quietly fall back to its default.
    if event.get("body") and not is_json_content_type(_content_type(event)):
        return _early_error(event, BODY_NOT_JSON)
    unknown = sorted(set(event.get("queryStringParameters") or {}) - _query_parameters(event))
    if unknown:
        return _early_error(event, f"Unknown query parameter: {unknown[0]!r}")
    return app.resolve(event, context)


def _query_parameters(event: dict[str, Any]) -> set[str]:
    """The lists (webhooks, deliveries) page with take and skip; no other route has any."""
    resource = str(event.get("resource") or "")
    listing = event.get("httpMethod") == "GET" and resource.endswith(("/webhooks", "/deliveries"))
    return {"take", "skip"} if listing else set()


def _early_error(event: dict[str, Any], message: str) -> dict[str, Any]:
    path = (event.get("requestContext") or {}).get("path") or event.get("path") or ""
    return {
        "statusCode": 400,
        "headers": {"Content-Type": "application/json", **NO_STORE},
        "body": json.dumps(error_body(bad_request([message]), path), separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _content_type(event: dict[str, Any]) -> str:
    headers = event.get("headers") or {}
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "") or ""


# --- init phase ----------------------------------------------------------------------------------

webhook_runtime.rate_limiter()
webhook_runtime.subscription_service()  # settings, clients and services made now, not on a request
gc.freeze()
gc.enable()
