"""Hypothesis strategies: random but valid datasets (docs/dataset.md) built to exercise the choice of host.

One round-robin event type (100, team 5, owned by user 1) and a collective one (200) that only
brings conflicts. Everything clusters around an *anchor* UTC day, often a day when some zone
switches daylight-saving time, so schedules in several zones, date overrides, out-of-office,
buffers and other bookings all bite on the bookings that get reassigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

ZONES = ("UTC", "Europe/Rome", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
OWNER = 1  # team 5's OWNER: allowed to reassign anything of event type 100
ROUND_ROBIN_TYPE = 100
OTHER_TYPE = 200
CUSTOMERS = ("Bob", "Carla", "Dee")


def _switch_days(year: int) -> list[date]:
    """UTC dates on which some zone changes its UTC offset (and the day after)."""
    found = set()
    for name in ZONES:
        zone = ZoneInfo(name)
        day = date(year, 1, 1)
        while day.year == year:
            before = datetime.combine(day, time(0), UTC).astimezone(zone).utcoffset()
            after = datetime.combine(day + timedelta(days=1), time(0), UTC).astimezone(zone).utcoffset()
            if before != after:
                found |= {day, day + timedelta(days=1)}
            day += timedelta(days=1)
    return sorted(found)


ANCHOR_DAYS = (
    *_switch_days(2050),
    date(2050, 1, 7),
    date(2050, 1, 31),  # month end: START_TIME months differ across midnight UTC
    date(2050, 6, 15),
    date(2050, 12, 31),
)
QUARTERS = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60, 15))
ENDS = (*QUARTERS[1:], "24:00")


OFFSETS = (timedelta(0), timedelta(hours=5, minutes=30), timedelta(hours=-5), timedelta(hours=11))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spelled_instant(draw: st.DrawFn, moment: datetime) -> str:
    """An instant as a file may spell it: usually with `Z`, sometimes with another UTC offset."""
    offset = draw(st.sampled_from([timedelta(0), timedelta(0), *OFFSETS]))
    if not offset:
        return iso(moment)
    return moment.astimezone(timezone(offset)).isoformat()


@st.composite
def time_range(draw: st.DrawFn) -> tuple[str, str]:
    """Any range half the time; else a wide one (early start, late end), so hosts are often free."""
    if draw(st.booleans()):
        start = draw(st.sampled_from(QUARTERS))
        end = draw(st.sampled_from([e for e in ENDS if e > start]))
    else:
        start = draw(st.sampled_from(QUARTERS[: 4 * 8]))
        end = draw(st.sampled_from(ENDS[4 * 16 :]))
    return start, end


@st.composite
def schedule(draw: st.DrawFn, schedule_id: int, user_id: int, anchor: date) -> dict[str, Any]:
    weekly_kind = draw(
        st.sampled_from([*["always"] * 4, "wide", "wide", "office", "random", "random", "none"])
    )
    if weekly_kind == "always":
        weekly = [{"days": list(range(7)), "startTime": "00:00", "endTime": "24:00"}]
    elif weekly_kind == "wide":
        weekly = [{"days": list(range(7)), "startTime": "06:00", "endTime": "23:00"}]
    elif weekly_kind == "office":
        weekly = [{"days": [1, 2, 3, 4, 5], "startTime": "09:00", "endTime": "17:00"}]
    elif weekly_kind == "random":
        weekly = []
        for _ in range(draw(st.integers(1, 3))):
            start, end = draw(time_range())
            days = set(range(7)) if draw(st.booleans()) else draw(st.sets(st.integers(0, 6), min_size=1))
            weekly.append({"days": sorted(days), "startTime": start, "endTime": end})
    else:
        weekly = []
    overrides = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        day = anchor + timedelta(days=draw(st.integers(-1, 1)))
        if draw(st.integers(0, 2)) == 0:
            off = draw(st.sampled_from(QUARTERS))
            start, end = off, off  # startTime == endTime: off all day
        else:
            start, end = draw(time_range())
        overrides.append({"date": day.isoformat(), "startTime": start, "endTime": end})
    return {
        "id": schedule_id,
        "userId": user_id,
        "timeZone": draw(st.sampled_from(ZONES)),
        "availability": weekly,
        "dateOverrides": overrides,
    }


def near(draw: st.DrawFn, anchor: date) -> datetime:
    """A quarter-hour instant from 12 hours before the anchor day to 12 hours after it."""
    midnight = datetime.combine(anchor, time(0), UTC)
    return midnight + timedelta(minutes=15 * draw(st.integers(-48, 96 + 48)))


DURATIONS = st.sampled_from([15, 30, 45, 60, 60, 90, 120, 180])
STATUSES = st.sampled_from(["ACCEPTED", "ACCEPTED", "ACCEPTED", "PENDING", "CANCELLED", "REJECTED"])


def spelled(draw: st.DrawFn, email: str) -> str:
    """An attendee email as a booking might spell it: matching ignores case."""
    return draw(st.sampled_from([email, email.upper(), email.capitalize()]))


Step = tuple[str, str, int | None]  # ("auto" or "manual", booking uid, manual target)


@dataclass(frozen=True)
class Scenario:
    dataset: dict[str, Any]
    now: datetime
    steps: tuple[Step, ...]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    anchor = draw(st.sampled_from(ANCHOR_DAYS))
    now = near(draw, anchor) + timedelta(minutes=draw(st.sampled_from([0, 7, 60 * 24 * 3, 60 * 24 * 40])))
    host_ids = list(range(2, 2 + draw(st.integers(3, 7))))
    fixed = draw(st.sets(st.sampled_from(host_ids), max_size=min(2, len(host_ids) - 3)))
    round_robin = [h for h in host_ids if h not in fixed]

    users = [{"id": OWNER, "name": "Owner", "email": "owner@example.test", "defaultScheduleId": None}]
    schedules = []
    for user_id in host_ids:
        has_default = draw(st.integers(0, 9)) > 0
        users.append(
            {
                "id": user_id,
                "name": f"Host {user_id}" if draw(st.integers(0, 9)) else "",
                "email": f"host{user_id}@example.test",
                "timeZone": draw(st.sampled_from(ZONES)),
                "defaultScheduleId": 1000 + user_id if has_default else None,
            }
        )
        if has_default:
            schedules.append(draw(schedule(1000 + user_id, user_id, anchor)))

    # A few creation times shared by several bookings, so "least recently booked" meets ties.
    created_pool = [
        now
        - timedelta(minutes=draw(st.sampled_from([0, 1, 30, 60 * 5, 60 * 24, 60 * 24 * 20, 60 * 24 * 45])))
        for _ in range(4)
    ]

    hosts = []
    for user_id in host_ids:
        host_schedule = None
        if draw(st.integers(0, 4)) == 0:
            host_schedule = 2000 + user_id
            schedules.append(draw(schedule(host_schedule, user_id, anchor)))
        hosts.append(
            {
                "userId": user_id,
                "isFixed": user_id in fixed,
                "priority": draw(st.sampled_from([*[2] * 6, 0, 1, 3, 4])),
                "weight": draw(st.sampled_from([100, 100, 50, 200, 1, 0, 300])),
                "scheduleId": host_schedule,
            }
        )
        if draw(st.integers(0, 2)) == 0:  # added lately, perhaps during the weighting interval
            hosts[-1]["createdAt"] = spelled_instant(draw, draw(st.sampled_from(created_pool)))
    event_schedule = None
    if draw(st.integers(0, 7)) == 0:
        event_schedule = 3000
        schedules.append(draw(schedule(3000, OWNER, anchor)))

    emails = {u["id"]: u["email"] for u in users}

    def customer(index: int) -> dict[str, Any]:
        name = CUSTOMERS[index % len(CUSTOMERS)]
        return {"name": name, "email": f"{name.lower()}@customer.test", "timeZone": "Europe/London"}

    bookings = []
    for index in range(draw(st.integers(1, 5)) if round_robin else 0):
        start = near(draw, anchor)
        shape = draw(st.sampled_from(["rr", "rr", "rr", "fixed+rr", "fixed"] if fixed else ["rr"]))
        attendees = [customer(index)]
        if shape == "rr":
            organizer = draw(st.sampled_from(round_robin))
            others = [h for h in round_robin if h != organizer]
            if others and draw(st.integers(0, 5)) == 0:  # another round-robin host sits in too
                attendees.append({"name": "x", "email": spelled(draw, emails[draw(st.sampled_from(others))])})
        else:
            organizer = draw(st.sampled_from(sorted(fixed)))
            if shape == "fixed+rr":
                seat = {"name": "x", "email": spelled(draw, emails[draw(st.sampled_from(round_robin))])}
                attendees.insert(draw(st.integers(0, 1)), seat)
        with_name = draw(st.booleans())
        bookings.append(
            {
                "uid": f"rr-{index}",
                "eventTypeId": ROUND_ROBIN_TYPE,
                "userId": organizer,
                "title": "Old title",
                "startTime": spelled_instant(draw, start),
                "endTime": spelled_instant(draw, start + timedelta(minutes=draw(DURATIONS))),
                "status": "ACCEPTED" if index == 0 else draw(STATUSES),
                "createdAt": spelled_instant(draw, draw(st.sampled_from(created_pool))),
                "attendees": attendees,
                "responses": {"name": "Responder", "email": attendees[0]["email"]} if with_name else {},
            }
        )
    for index in range(draw(st.integers(0, 6))):
        start = near(draw, anchor)
        organizer = draw(st.sampled_from([OWNER, *host_ids]))
        attendees = [customer(index)]
        if draw(st.booleans()):  # a host attends: busy by email, not as organizer
            attendees.append({"name": "y", "email": spelled(draw, emails[draw(st.sampled_from(host_ids))])})
        bookings.append(
            {
                "uid": f"other-{index}",
                "eventTypeId": draw(st.sampled_from([OTHER_TYPE, None])),
                "userId": organizer,
                "title": "Something else",
                "startTime": spelled_instant(draw, start),
                "endTime": spelled_instant(draw, start + timedelta(minutes=draw(DURATIONS))),
                "status": draw(STATUSES),
                "createdAt": spelled_instant(draw, draw(st.sampled_from(created_pool))),
                "attendees": attendees,
            }
        )

    out_of_office = []
    spells = set()  # an entry is its user and interval: the same one twice is a bad file
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        if draw(st.booleans()):  # at the booking's time (availability)
            start = near(draw, anchor)
        else:  # around bookings being made (calibration), its bounds perhaps on one's creation
            start = draw(st.sampled_from(created_pool)) - timedelta(minutes=draw(st.sampled_from([0, 60])))
        minutes = draw(st.sampled_from([15, 60, 240, 60 * 30]))
        user_id = draw(st.sampled_from(host_ids))
        if (user_id, start, minutes) in spells:
            continue
        spells.add((user_id, start, minutes))
        out_of_office.append(
            {
                "userId": user_id,
                "start": spelled_instant(draw, start),
                "end": spelled_instant(draw, start + timedelta(minutes=minutes)),
            }
        )

    event_types = [
        {
            "id": ROUND_ROBIN_TYPE,
            "title": "Discovery call",
            "teamId": 5,
            "schedulingType": "ROUND_ROBIN",
            "scheduleId": event_schedule,
            "eventName": draw(
                st.sampled_from([None, None, "{Event type title}: {Organiser} meets {Scheduler}"])
            ),
            "beforeEventBuffer": draw(st.sampled_from([0, 0, 15, 30, 60])),
            "afterEventBuffer": draw(st.sampled_from([0, 0, 15, 30, 60])),
            "isRRWeightsEnabled": draw(st.booleans()),
            "rrResetInterval": draw(st.sampled_from(["MONTH", "DAY"])),
            "rrTimestampBasis": draw(st.sampled_from(["CREATED_AT", "START_TIME"])),
            "hosts": hosts,
        },
        {
            "id": OTHER_TYPE,
            "title": "Team sync",
            "teamId": 5,
            "schedulingType": "COLLECTIVE",
            "hosts": [{"userId": h} for h in host_ids],
        },
    ]
    dataset = {
        "users": users,
        "teams": [{"id": 5, "name": "Sales", "members": [{"userId": OWNER, "role": "OWNER"}]}],
        "schedules": schedules,
        "outOfOffice": out_of_office,
        "eventTypes": event_types,
        "bookings": bookings,
    }

    reassignable = [b["uid"] for b in bookings if b["eventTypeId"] == ROUND_ROBIN_TYPE]
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, 4)) if reassignable else 0):
        uid = draw(st.sampled_from(reassignable))
        if draw(st.integers(0, 5)) == 0:  # now and then an administrator's manual pick
            steps.append(("manual", uid, draw(st.sampled_from(host_ids))))
        else:
            steps.append(("auto", uid, None))
    return Scenario(dataset, now, tuple(steps))
