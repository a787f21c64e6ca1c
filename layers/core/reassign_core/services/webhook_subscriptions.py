"""The subscriptions API's use cases: who may act on which webhooks, and the calls themselves.

Order of checks, as on every route: credentials (the authorizer) -> the OAuth client's scope ->
input shape (the handler) -> the event type or webhook exists (404) -> permission (403) -> the
call. Someone else's user webhook is a 404, never a 403, so ids do not leak.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from reassign_core.domain.timeutil import iso, utc_now
from reassign_core.services.webhook_delivery import WebhookCaller
from reassign_core.store import keys
from reassign_core.store.directory import Directory
from reassign_core.store.webhook_store import WebhookStore
from reassign_core.webhooks.access import may_manage_event_type, missing_scope
from reassign_core.webhooks.addresses import Target, UrlRefused
from reassign_core.webhooks.deliveries import AttemptResult
from reassign_core.webhooks.errors import (
    EventTypeAccessDenied,
    EventTypeNotFound,
    InvalidSubscriberUrl,
    MissingScope,
    WebhookNotFound,
)
from reassign_core.webhooks.subscriptions import Owner, OwnerKind, Webhook, WebhookCreate, WebhookPatch, view


class UrlChecker(Protocol):
    def check(self, url: str) -> Target: ...


class ClientLookup(Protocol):
    def get(self, key: dict[str, str]) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class Access:
    """The caller as the authorizer passed it on."""

    user_id: int
    method: str  # "apiKey" or "accessToken"
    client_id: str | None


class SubscriptionService:
    def __init__(
        self,
        store: WebhookStore,
        directory: Directory,
        clients: ClientLookup,
        urls: UrlChecker,
        caller: WebhookCaller,
        clock: Callable[[], Any] = utc_now,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._store = store
        self._directory = directory
        self._clients = clients
        self._urls = urls
        self._caller = caller
        self._clock = clock
        self._new_id = new_id

    # --- who ---------------------------------------------------------------------------------

    def check_scope(self, access: Access, write: bool) -> None:
        """A managed-user token's OAuth client must have the webhook permission the call needs."""
        if access.method != "accessToken":
            return
        client = self._clients.get(keys.oauth_client(access.client_id or ""))
        lacking = missing_scope((client or {}).get("permissions", []), write)
        if lacking:
            raise MissingScope(lacking)

    def user_owner(self, access: Access) -> Owner:
        return Owner(OwnerKind.USER, access.user_id)

    def event_type_owner(self, access: Access, event_type_id: int) -> Owner:
        caller, event_type = self._directory.caller_and_event_type(access.user_id, event_type_id)
        if event_type is None:
            raise EventTypeNotFound(event_type_id)
        if caller is None or not may_manage_event_type(caller, event_type):
            raise EventTypeAccessDenied
        return Owner(OwnerKind.EVENT_TYPE, event_type_id)

    # --- what --------------------------------------------------------------------------------

    def create(self, owner: Owner, request: WebhookCreate) -> dict[str, Any]:
        self._check_url(request.subscriber_url)
        webhook = Webhook(
            id=self._new_id(),
            owner=owner,
            subscriber_url=request.subscriber_url,
            active=request.active,
            triggers=tuple(request.triggers),
            secret=request.secret,
            payload_template=request.payload_template,
            created_at=iso(self._clock()),
        )
        self._store.create(webhook)
        return view(webhook, with_secret=True)

    def list_webhooks(self, owner: Owner, take: int, skip: int) -> list[dict[str, Any]]:
        return [view(w) for w in self._store.owned_by(owner)[skip : skip + take]]

    def get(self, owner: Owner, webhook_id: str) -> dict[str, Any]:
        return view(self._webhook(owner, webhook_id))

    def update(self, owner: Owner, webhook_id: str, request: WebhookPatch) -> dict[str, Any]:
        changes = request.changes()
        self._webhook(owner, webhook_id)  # 404 before the URL is judged, as in the order of checks
        if "subscriberUrl" in changes:
            self._check_url(changes["subscriberUrl"])
        updated = self._store.update(owner, webhook_id, changes)
        if updated is None:
            raise WebhookNotFound(webhook_id)
        return view(updated)

    def delete(self, owner: Owner, webhook_id: str) -> dict[str, Any]:
        deleted = self._store.delete(owner, webhook_id)
        if deleted is None:
            raise WebhookNotFound(webhook_id)
        return view(deleted)

    def deliveries(self, owner: Owner, webhook_id: str, take: int, skip: int) -> list[dict[str, Any]]:
        self._webhook(owner, webhook_id)
        return [d.view() for d in self._store.deliveries(webhook_id, take, skip)]

    def ping(self, owner: Owner, webhook_id: str) -> dict[str, Any]:
        result: AttemptResult = self._caller.ping(self._webhook(owner, webhook_id))
        return {"statusCode": result.status_code, "durationMs": result.duration_ms, "error": result.error}

    def _webhook(self, owner: Owner, webhook_id: str) -> Webhook:
        webhook = self._store.get(owner, webhook_id)
        if webhook is None:
            raise WebhookNotFound(webhook_id)
        return webhook

    def _check_url(self, url: str) -> None:
        try:
            self._urls.check(url)
        except UrlRefused as refused:
            raise InvalidSubscriberUrl(str(refused)) from refused
