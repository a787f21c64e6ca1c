"""How domain models are stored: item ↔ model mapping for the data table.

Shared by the repository and the loader, so the service and a freshly loaded dataset write
identical items. Items here are plain Python values; `to_wire`/`from_wire` convert to DynamoDB JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import attrgetter
from typing import Any

from reassign_core.domain.models import (
    Attendee,
    Booking,
    BookingStatus,
    Caller,
    EventType,
    Host,
    HostStats,
    Participants,
    ResetInterval,
    SchedulingType,
    TimelineTop,
    TimestampBasis,
    UserProfile,
)
from reassign_core.domain.timeutil import iso, parse_iso
from reassign_core.store import dynamo_json, keys
from reassign_core.store.schedule_codec import hours_attributes, schedule_from_hours

Item = dict[str, Any]
WireItem = dict[str, Any]

to_wire = dynamo_json.encode_item
from_wire = dynamo_json.decode_item
# The hot items (hosts, stats, schedules, calendar days: thousands per 1000-host reassignment) are
# read straight from the wire by the `*_from_wire` functions below, without an intermediate dict.


def _optional_int(attribute: Mapping[str, Any] | None) -> int | None:
    return int(attribute["N"]) if attribute is not None and "N" in attribute else None


class LazyMapping[K, V](Mapping[K, V]):
    """A read-only mapping whose values are built from their sources on first access."""

    def __init__(self, sources: Mapping[K, Any], build: Callable[[K, Any], V]) -> None:
        self._sources = sources
        self._build = build
        self._built: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        if key not in self._built:
            source = self._sources[key]  # the only KeyError: the key is absent
            try:
                self._built[key] = self._build(key, source)
            except KeyError as missing:  # a malformed item must not pass for an absent one (`get`, `in`)
                raise ValueError(f"stored item for {key!r} lacks attribute {missing}") from missing
        return self._built[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


# --- bookings ----------------------------------------------------------------------------------


def attendee_item(attendee: Attendee) -> Item:
    return {"name": attendee.name, "email": attendee.email, "timeZone": attendee.time_zone}


def booking_from_item(item: Item) -> Booking:
    responses = item.get("responses") or {}
    name = responses.get("name") if isinstance(responses, dict) else None
    return Booking(
        uid=item["uid"],
        event_type_id=item.get("eventTypeId"),
        organizer_id=item["userId"],
        title=item.get("title", ""),
        start=parse_iso(item["startTime"]),
        end=parse_iso(item["endTime"]),
        status=BookingStatus(item["status"]),
        created_at=parse_iso(item["createdAt"]),
        attendees=tuple(
            Attendee(a.get("name", ""), a.get("email", ""), a.get("timeZone", "UTC"))
            for a in item.get("attendees", [])
        ),
        responses_name=name if isinstance(name, str) and name else None,
        version=item.get("version", 1),
        participants=Participants(frozenset(item["people"]), frozenset(item.get("roundRobinPeople", ())))
        if "people" in item
        else None,
    )


def participants_values(booking: Booking, people: str, round_robin: str) -> Item:
    """The booking's participants as two lists of user ids (sorted: equal sets are stored alike)."""
    recorded = booking.participants
    if recorded is None:
        raise ValueError(f"booking {booking.uid} has no participants to store")
    return {people: sorted(recorded.people), round_robin: sorted(recorded.round_robin)}


def booking_item(booking: Booking, responses: Mapping[str, Any] | None = None) -> Item:
    recorded = participants_values(booking, "people", "roundRobinPeople") if booking.participants else {}
    return {
        **keys.booking(booking.uid),
        "uid": booking.uid,
        "eventTypeId": booking.event_type_id,
        "userId": booking.organizer_id,
        "title": booking.title,
        "startTime": iso(booking.start),
        "endTime": iso(booking.end),
        "status": booking.status.value,
        "createdAt": iso(booking.created_at),
        "attendees": [attendee_item(a) for a in booking.attendees],
        "responses": dict(responses or {}),
        "version": booking.version,
        **recorded,
    }


# --- users and teams ---------------------------------------------------------------------------


def profile_item(user: UserProfile, username: str | None, role: str) -> Item:
    return {
        **keys.user_profile(user.id),
        "id": user.id,
        "username": username,
        "name": user.name,
        "email": user.email,
        "timeZone": user.time_zone,
        "role": role,
        "defaultScheduleId": user.default_schedule_id,
    }


def profile_from_item(item: Mapping[str, Any]) -> UserProfile:
    return UserProfile(
        id=item["id"],
        name=item.get("name", ""),
        email=item["email"],
        time_zone=item.get("timeZone", "UTC"),
        default_schedule_id=item.get("defaultScheduleId"),
    )


def membership_item(user_id: int, team_id: int, role: str) -> Item:
    return {**keys.membership(user_id, team_id), "teamId": team_id, "role": role}


def reassign_access_item(user_id: int, event_type_id: int) -> Item:
    return {**keys.reassign_access(user_id, event_type_id), "eventTypeId": event_type_id}


def caller_from_items(user_id: int, items: list[Item]) -> Caller | None:
    """A caller from the user partition: its profile, every membership and every reassign access."""
    profile = next((i for i in items if i["SK"] == "PROFILE"), None)
    if profile is None:
        return None
    roles = {i["teamId"]: i["role"] for i in items if i["SK"].startswith("MEMBER#")}
    access = frozenset(i["eventTypeId"] for i in items if i["SK"].startswith(keys.REASSIGNS_PREFIX))
    return Caller(
        user_id=user_id,
        is_system_admin=profile.get("role") == "ADMIN",
        team_roles=roles,
        reassignable_event_types=access,
    )


# --- event types -------------------------------------------------------------------------------


def event_type_items(event_type: EventType) -> list[Item]:
    """The META item then one item per host, in host order (the partition Query returns them so)."""
    meta = {
        **keys.event_type(event_type.id),
        "id": event_type.id,
        "title": event_type.title,
        "teamId": event_type.team_id,
        "organizationId": event_type.organization_id,
        "ownerId": event_type.owner_id,
        "schedulingType": event_type.scheduling_type.value if event_type.scheduling_type else None,
        "scheduleId": event_type.schedule_id,
        "eventName": event_type.event_name,
        "beforeEventBuffer": event_type.before_buffer_minutes,
        "afterEventBuffer": event_type.after_buffer_minutes,
        "isRRWeightsEnabled": event_type.weights_enabled,
        "rrResetInterval": event_type.reset_interval.value,
        "rrTimestampBasis": event_type.timestamp_basis.value,
    }
    hosts = [
        {
            **keys.event_type_host(event_type.id, host.user_id),
            "userId": host.user_id,
            "position": host.position,
            "isFixed": host.is_fixed,
            "priority": host.priority,
            "weight": host.weight,
            "scheduleId": host.schedule_id,
            # The host user's profile, denormalized: a selection needs no read of 1000 user items.
            "name": host.user.name,
            "email": host.user.email,
            "timeZone": host.user.time_zone,
            "defaultScheduleId": host.user.default_schedule_id,
            "createdAt": iso(host.created_at) if host.created_at else None,
            # The host's own schedule too (see models.Host.schedule): its id, zone and hours.
            **(
                {
                    "hostScheduleId": host.schedule.id,
                    **hours_attributes(host.schedule, "hoursTimeZone", "hoursWeekly", "hoursOverrides"),
                }
                if host.schedule
                else {}
            ),
        }
        for host in event_type.hosts
    ]
    return [meta, *hosts]


def host_from_wire(wire_item: WireItem) -> Host:
    return Host(
        user=UserProfile(
            id=int(wire_item["userId"]["N"]),
            name=wire_item["name"]["S"],
            email=wire_item["email"]["S"],
            time_zone=wire_item["timeZone"]["S"],
            default_schedule_id=_optional_int(wire_item.get("defaultScheduleId")),
        ),
        is_fixed=wire_item["isFixed"]["BOOL"],
        priority=int(wire_item["priority"]["N"]),
        weight=int(wire_item["weight"]["N"]),
        schedule_id=_optional_int(wire_item.get("scheduleId")),
        position=int(position["N"])
        if (position := wire_item.get("position"))
        else int(wire_item["SK"]["S"].removeprefix(keys.HOST_PREFIX)),  # keyed by position before
        schedule=schedule_from_hours(
            int(embedded["N"]),
            wire_item["hoursTimeZone"],
            wire_item["hoursWeekly"],
            wire_item["hoursOverrides"],
        )
        if (embedded := wire_item.get("hostScheduleId"))
        else None,
        created_at=parse_iso(created["S"])
        if (created := wire_item.get("createdAt")) and "S" in created
        else None,
    )


NEWEST, WHOLE = "newest", "whole"  # the stats' timeline top (see HostStats)


def host_stats_item(event_type_id: int, user_id: int, stats: HostStats) -> Item:
    """The stats as the timeline's newest positions (a string set: a blind write deletes from it)
    and whether they are all of it. An item an earlier version wrote keeps its last-booked time."""
    if stats.top is not None and not stats.top.positions and not stats.top.whole:
        raise ValueError("stats keep the newest timeline entries, or say it is empty")
    if stats.top is None:
        last = iso(stats.last_booked_at) if stats.last_booked_at else None
        return {**keys.host_stats(event_type_id, user_id), "lastBookedAt": last, "version": stats.version}
    return {
        **keys.host_stats(event_type_id, user_id),
        NEWEST: frozenset(stats.top.positions) or None,  # a set is never empty: none is no attribute
        WHOLE: stats.top.whole,
        "version": stats.version,
    }


def host_stats_from_wire(wire_item: WireItem) -> HostStats:
    version = int(wire_item["version"]["N"])
    newest = wire_item.get(NEWEST)
    if newest is None and "lastBookedAt" in wire_item:  # an earlier version's item
        return HostStats(parse_iso(wire_item["lastBookedAt"]["S"]), version)
    whole = wire_item.get(WHOLE)
    positions = tuple(sorted(newest["SS"], reverse=True)) if newest else ()
    return HostStats.keeping(
        TimelineTop(positions, whole=not positions or bool(whole and whole["BOOL"])), version
    )


def event_type_from_wire(wire_items: Iterable[WireItem]) -> EventType | None:
    """The event type partition: META, a HOST# item per host (by user id; sorted here by their
    `position`, the host order selection breaks ties by), a STATS# item per round-robin host.
    Stats decode on first use: only the available hosts' are looked at."""
    meta: Item | None = None
    hosts: list[Host] = []
    stats: dict[int, WireItem] = {}
    for wire_item in wire_items:
        sort_key = wire_item["SK"]["S"]
        if sort_key.startswith(keys.HOST_PREFIX):
            hosts.append(host_from_wire(wire_item))
        elif sort_key.startswith(keys.STATS_PREFIX):
            stats[int(sort_key.removeprefix(keys.STATS_PREFIX))] = wire_item
        elif sort_key == "META":
            meta = from_wire(wire_item)
    if meta is None:
        return None
    scheduling_type = meta.get("schedulingType")
    return EventType(
        id=meta["id"],
        title=meta["title"],
        team_id=meta.get("teamId"),
        organization_id=meta.get("organizationId"),
        owner_id=meta.get("ownerId"),
        scheduling_type=SchedulingType(scheduling_type) if scheduling_type else None,
        schedule_id=meta.get("scheduleId"),
        event_name=meta.get("eventName"),
        before_buffer_minutes=meta.get("beforeEventBuffer", 0),
        after_buffer_minutes=meta.get("afterEventBuffer", 0),
        weights_enabled=meta.get("isRRWeightsEnabled", False),
        reset_interval=ResetInterval(meta.get("rrResetInterval", "MONTH")),
        timestamp_basis=TimestampBasis(meta.get("rrTimestampBasis", "CREATED_AT")),
        hosts=tuple(sorted(hosts, key=attrgetter("position"))),
        host_stats=LazyMapping(stats, lambda _, wire_item: host_stats_from_wire(wire_item)),
    )
