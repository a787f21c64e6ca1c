"""From a committed reassignment to its deliveries: which webhooks it goes to, and what they get.

The event is the outbox item the reassignment wrote in its own transaction. It goes to every
active webhook subscribed to its trigger that is a user webhook of the previous host, of the new
host or of the booking's organizer (each webhook once), or an event-type webhook of the booking's
event type. Names and e-mail addresses come from the users' profiles, read once per batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reassign_core.domain.models import UserProfile
from reassign_core.webhooks.subscriptions import BOOKING_REASSIGNED, PING, Owner, OwnerKind, Webhook

# A managed user's e-mail carries `+<25 letters/digits>` before the `@`; people see it without.
_MANAGED_SUFFIX = re.compile(r"\+[A-Za-z0-9]{25}(?=@)")


def display_email(email: str) -> str:
    return _MANAGED_SUFFIX.sub("", email, count=1)


@dataclass(frozen=True, slots=True)
class ReassignmentEvent:
    event_id: str
    booking_uid: str
    event_type_id: int | None
    previous_host_id: int | None
    new_host_id: int
    organizer_id: int
    reassigned_by_id: int
    reassign_type: str
    reason: str | None
    source: str | None  # "http" or "direct"; None for events written before it was recorded
    at: str
    booking_version: int | None
    title: str
    start_time: str
    end_time: str
    status: str | None
    attendees: tuple[Mapping[str, Any], ...]

    trigger = BOOKING_REASSIGNED

    @classmethod
    def from_outbox(cls, item: Mapping[str, Any]) -> ReassignmentEvent:
        """ValueError when the item is not a reassignment event this code understands."""
        if item.get("type") != BOOKING_REASSIGNED:
            raise ValueError(f"not a {BOOKING_REASSIGNED} event")
        try:
            booking = item["booking"]
            return cls(
                event_id=str(item["eventId"]),
                booking_uid=str(item["bookingUid"]),
                event_type_id=item.get("eventTypeId"),
                previous_host_id=item.get("fromUserId"),
                new_host_id=int(item["toUserId"]),
                organizer_id=int(booking["organizerId"]),
                reassigned_by_id=int(item["reassignedById"]),
                reassign_type=str(item["reassignType"]),
                reason=item.get("reason"),
                source=item.get("source"),
                at=str(item["at"]),
                booking_version=item.get("bookingVersion"),
                title=str(booking["title"]),
                start_time=str(booking["startTime"]),
                end_time=str(booking["endTime"]),
                status=booking.get("status"),
                attendees=tuple(booking.get("attendees") or ()),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"outbox item lacks {error}") from error

    def owners(self) -> list[Owner]:
        """Whose webhooks may want this event: the three users' and the event type's."""
        users = dict.fromkeys(
            u for u in (self.previous_host_id, self.new_host_id, self.organizer_id) if u is not None
        )
        owners = [Owner(OwnerKind.USER, u) for u in users]
        if self.event_type_id is not None:
            owners.append(Owner(OwnerKind.EVENT_TYPE, self.event_type_id))
        return owners

    def user_ids(self) -> set[int]:
        """Whose profiles the body names."""
        ids = {self.new_host_id, self.organizer_id, self.reassigned_by_id}
        return ids | ({self.previous_host_id} if self.previous_host_id is not None else set())


def matching_webhooks(
    event: ReassignmentEvent, webhooks_by_owner: Mapping[Owner, Sequence[Webhook]]
) -> list[Webhook]:
    """Every active webhook of the event's owners subscribed to its trigger, each once."""
    chosen: dict[str, Webhook] = {}
    for owner in event.owners():
        for webhook in webhooks_by_owner.get(owner, ()):
            if webhook.wants(event.trigger):
                chosen.setdefault(webhook.id, webhook)
    return list(chosen.values())


def _person(user_id: int | None, profiles: Mapping[int, UserProfile], *extra: str) -> dict[str, Any] | None:
    if user_id is None:
        return None
    profile = profiles.get(user_id)
    person: dict[str, Any] = {
        "id": user_id,
        "name": profile.name if profile else None,
        "email": profile.email if profile else None,
    }
    if "displayEmail" in extra:
        person["displayEmail"] = display_email(profile.email) if profile else None
    if "timeZone" in extra:
        person["timeZone"] = profile.time_zone if profile else None
    return person


def event_body(event: ReassignmentEvent, profiles: Mapping[int, UserProfile]) -> dict[str, Any]:
    """The object a receiver gets (before any payload template)."""
    return {
        "triggerEvent": event.trigger,
        "createdAt": event.at,
        "payload": {
            "uid": event.booking_uid,
            "eventTypeId": event.event_type_id,
            "title": event.title,
            "startTime": event.start_time,
            "endTime": event.end_time,
            "status": event.status,
            "reassignType": event.reassign_type,
            "reason": event.reason,
            "source": event.source,
            "bookingVersion": event.booking_version,
            "reassignedBy": _person(event.reassigned_by_id, profiles),
            "previousHost": _person(event.previous_host_id, profiles),
            "newHost": _person(event.new_host_id, profiles, "displayEmail", "timeZone"),
            "organizer": _person(event.organizer_id, profiles, "timeZone"),
            "attendees": [
                {"name": a.get("name"), "email": a.get("email"), "timeZone": a.get("timeZone")}
                for a in event.attendees
            ],
        },
    }


def ping_body(webhook: Webhook, at: str) -> dict[str, Any]:
    return {
        "triggerEvent": PING,
        "createdAt": at,
        "payload": {"type": "Test", "webhookId": webhook.id, "message": "Webhook ping"},
    }


def profile_ids(events: Iterable[ReassignmentEvent]) -> set[int]:
    return set().union(*(e.user_ids() for e in events))
