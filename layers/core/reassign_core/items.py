"""How domain models are stored: item ↔ model mapping for the data table.

Shared by the repository and the loader, so the service and a freshly loaded dataset write
identical items. Items here are plain Python values; `to_wire`/`from_wire` convert to DynamoDB JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from reassign_core import keys, wire
from reassign_core.models import (
    Attendee,
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    Caller,
    EventType,
    Host,
    HostStats,
    Interval,
    ResetInterval,
    Schedule,
    SchedulingType,
    TimeRange,
    TimestampBasis,
    UserProfile,
    WeeklyRange,
)
from reassign_core.timeutil import iso, parse_iso

Item = dict[str, Any]
WireItem = dict[str, Any]

to_wire = wire.encode_item
from_wire = wire.decode_item


# --- times of day ------------------------------------------------------------------------------


def parse_time_of_day(text: str) -> time | None:
    """`HH:MM`; `24:00` (end of day) is None."""
    return None if text == "24:00" else time.fromisoformat(text)


def format_time_of_day(moment: time | None) -> str:
    return "24:00" if moment is None else moment.strftime("%H:%M")


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
    )


def booking_item(booking: Booking, responses: Mapping[str, Any] | None = None) -> Item:
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


def caller_from_items(user_id: int, items: list[Item]) -> Caller | None:
    """A caller from the user partition: its profile plus every membership item."""
    profile = next((i for i in items if i["SK"] == "PROFILE"), None)
    if profile is None:
        return None
    roles = {i["teamId"]: i["role"] for i in items if i["SK"].startswith("MEMBER#")}
    return Caller(user_id=user_id, is_system_admin=profile.get("role") == "ADMIN", team_roles=roles)


# --- schedules ---------------------------------------------------------------------------------


def schedule_item(schedule: Schedule, user_id: int | None) -> Item:
    return {
        **keys.schedule(schedule.id),
        "id": schedule.id,
        "userId": user_id,
        "timeZone": schedule.time_zone,
        "availability": [
            {
                "days": sorted(w.days),
                "startTime": format_time_of_day(w.hours.start),
                "endTime": format_time_of_day(w.hours.end),
            }
            for w in schedule.weekly
        ],
        "dateOverrides": [
            {
                "date": day.isoformat(),
                "startTime": format_time_of_day(r.start),
                "endTime": format_time_of_day(r.end),
            }
            for day, ranges in sorted(schedule.overrides.items())
            for r in ranges
        ],
    }


def _time_range(entry: Mapping[str, Any]) -> TimeRange:
    start, end = entry["startTime"], entry["endTime"]
    if start == end:  # an empty range (a whole day off, in an override), also when spelled 24:00
        return TimeRange(time(0), time(0))
    return TimeRange(parse_time_of_day(start) or time(0), parse_time_of_day(end))


def schedule_from_item(item: Mapping[str, Any]) -> Schedule:
    overrides: dict[date, tuple[TimeRange, ...]] = {}
    for entry in item.get("dateOverrides", []):
        day = date.fromisoformat(entry["date"])
        overrides[day] = (*overrides.get(day, ()), _time_range(entry))
    return Schedule(
        id=item["id"],
        time_zone=item["timeZone"],
        weekly=tuple(WeeklyRange(frozenset(w["days"]), _time_range(w)) for w in item.get("availability", [])),
        overrides=overrides,
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
            **keys.event_type_host(event_type.id, host.position),
            "userId": host.user_id,
            "isFixed": host.is_fixed,
            "priority": host.priority,
            "weight": host.weight,
            "scheduleId": host.schedule_id,
            "user": {
                "name": host.user.name,
                "email": host.user.email,
                "timeZone": host.user.time_zone,
                "defaultScheduleId": host.user.default_schedule_id,
            },
        }
        for host in event_type.hosts
    ]
    return [meta, *hosts]


def event_type_from_items(items: list[Item]) -> EventType | None:
    meta = next((i for i in items if i["SK"] == "META"), None)
    if meta is None:
        return None
    hosts = tuple(
        Host(
            user=UserProfile(
                id=i["userId"],
                name=i["user"].get("name", ""),
                email=i["user"]["email"],
                time_zone=i["user"].get("timeZone", "UTC"),
                default_schedule_id=i["user"].get("defaultScheduleId"),
            ),
            is_fixed=i["isFixed"],
            priority=i["priority"],
            weight=i["weight"],
            schedule_id=i.get("scheduleId"),
            position=int(i["SK"].removeprefix("HOST#")),
        )
        for i in items
        if i["SK"].startswith("HOST#")
    )
    scheduling_type = meta.get("schedulingType")
    stats = {
        int(i["SK"].removeprefix(keys.STATS_PREFIX)): host_stats_from_item(i)
        for i in items
        if i["SK"].startswith(keys.STATS_PREFIX)
    }
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
        hosts=hosts,
        host_stats=stats,
    )


# --- calendars and round-robin bookkeeping -----------------------------------------------------


def calendar_day_item(day: CalendarDay) -> Item:
    return {
        **keys.calendar_day(day.user_id, day.day),
        "userId": day.user_id,
        "day": day.day.isoformat(),
        "version": day.version,
        "busy": {
            uid: {"start": iso(e.start), "end": iso(e.end), "status": e.status.value}
            for uid, e in day.busy.items()
        },
        "ooo": [{"start": iso(i.start), "end": iso(i.end)} for i in day.out_of_office],
    }


def calendar_day_from_item(user_id: int, day: date, item: Mapping[str, Any] | None) -> CalendarDay:
    if item is None:
        return CalendarDay(user_id=user_id, day=day, version=0, busy={}, out_of_office=())
    return CalendarDay(
        user_id=user_id,
        day=day,
        version=item.get("version", 0),
        busy={
            uid: BusyEntry(parse_iso(e["start"]), parse_iso(e["end"]), BookingStatus(e["status"]))
            for uid, e in item.get("busy", {}).items()
        },
        out_of_office=tuple(
            Interval(parse_iso(i["start"]), parse_iso(i["end"])) for i in item.get("ooo", [])
        ),
    )


def host_stats_item(event_type_id: int, user_id: int, stats: HostStats) -> Item:
    return {
        **keys.host_stats(event_type_id, user_id),
        "lastBookedAt": iso(stats.last_booked_at) if stats.last_booked_at else None,
        "version": stats.version,
    }


def host_stats_from_item(item: Mapping[str, Any] | None) -> HostStats:
    if item is None:
        return HostStats(last_booked_at=None, version=0)
    last = item.get("lastBookedAt")
    return HostStats(last_booked_at=parse_iso(last) if last else None, version=item.get("version", 0))


def timeline_item(event_type_id: int, user_id: int, created_at: datetime, uid: str) -> Item:
    return {
        **keys.host_timeline_entry(event_type_id, user_id, created_at, uid),
        "createdAt": iso(created_at),
        "uid": uid,
    }


def interval_counts_item(event_type_id: int, interval: str, counts: Mapping[int, int]) -> Item:
    return {
        **keys.interval_counts(event_type_id, interval),
        **{keys.counter_attribute(u): n for u, n in counts.items()},
    }


def interval_counts_from_item(item: Mapping[str, Any] | None, user_ids: Iterable[int]) -> dict[int, int]:
    found = item or {}
    return {u: found.get(keys.counter_attribute(u), 0) for u in user_ids}
