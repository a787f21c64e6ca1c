"""Benchmark datasets (docs/dataset.md format), generated in memory and deterministic for a given `now`.

One team, one round-robin event type with weights on, `hosts` round-robin hosts spread over
several time zones with weekday hours (some split days, some date overrides), out-of-office
entries, and ~3 months of booking history (a few bookings per host per week, mostly ACCEPTED).
The bookings the benchmark reassigns sit next week during the Europe/US-East overlap, so a large
share of the hosts are candidates and the whole availability + weighting path runs for each.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

EVENT_TYPE_ID = 100
TEAM_ID = 5
OWNER_ID = 1
OUTSIDER_ID = 1_000_000  # no right on the event type (host ids start at FIRST_HOST_ID): the refused caller
OWNER_KEY = "cal_bench_owner_key_0123456789abcdef0123456789abcdef"
FIRST_HOST_ID = 2
HISTORY_DAYS = 91  # ~3 months of bookings created before now
BOOKINGS_PER_HOST_PER_WEEK = 2
LENGTH = timedelta(minutes=30)

# (time zone, weight of that zone among hosts): a team spread over three continents.
ZONES = [
    ("Europe/Rome", 4),
    ("Europe/London", 3),
    ("Europe/Berlin", 2),
    ("America/New_York", 4),
    ("America/Chicago", 2),
    ("America/Los_Angeles", 2),
    ("America/Sao_Paulo", 1),
    ("Asia/Kolkata", 1),
    ("Asia/Tokyo", 1),
    ("Australia/Sydney", 1),
]
WEEKDAYS = [1, 2, 3, 4, 5]
HOURS = [  # weekly availability patterns (local time)
    [{"days": WEEKDAYS, "startTime": "09:00", "endTime": "17:00"}],
    [
        {"days": WEEKDAYS, "startTime": "08:00", "endTime": "12:00"},
        {"days": WEEKDAYS, "startTime": "13:00", "endTime": "18:00"},
    ],
    [{"days": WEEKDAYS, "startTime": "10:00", "endTime": "19:00"}],
    [
        {"days": [1, 2, 3, 4], "startTime": "09:00", "endTime": "18:00"},
        {"days": [5], "startTime": "09:00", "endTime": "13:00"},
    ],
]


@dataclass(frozen=True)
class BenchDataset:
    data: dict[str, Any]
    reassign_uids: list[str]  # future bookings to reassign, one per measured call
    actor_id: int  # team owner: may reassign every booking
    outsider_id: int = OUTSIDER_ID  # may reassign nothing


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_monday(now: datetime) -> date:
    today = now.date()
    return today + timedelta(days=7 - today.weekday())


def generate(hosts: int, reassignments: int, now: datetime, seed: int = 2026) -> BenchDataset:
    rng = random.Random(seed * 100_003 + hosts)
    host_ids = list(range(FIRST_HOST_ID, FIRST_HOST_ID + hosts))
    zones = [z for z, w in ZONES for _ in range(w)]
    monday = _next_monday(now)

    users = [
        {
            "id": OWNER_ID,
            "username": "owner",
            "name": "Team Owner",
            "email": "owner@bench.test",
            "timeZone": "Europe/Rome",
            "role": "USER",
        },
        {
            "id": OUTSIDER_ID,
            "username": "outsider",
            "name": "Outsider",
            "email": "outsider@bench.test",
            "timeZone": "UTC",
            "role": "USER",
        },
    ]
    schedules: list[dict[str, Any]] = []
    out_of_office: list[dict[str, Any]] = []
    for uid in host_ids:
        zone = rng.choice(zones)
        users.append(
            {
                "id": uid,
                "username": f"host{uid}",
                "name": f"Host {uid}",
                "email": f"host{uid}@bench.test",
                "timeZone": zone,
                "defaultScheduleId": 10_000 + uid,
            }
        )
        overrides = []
        if rng.random() < 0.15:  # a shorter day or a day off in the coming weeks
            day = monday + timedelta(days=rng.randrange(0, 14))
            opens, closes = rng.choice([("10:00", "12:00"), ("00:00", "00:00"), ("14:00", "18:00")])
            overrides.append({"date": day.isoformat(), "startTime": opens, "endTime": closes})
        schedules.append(
            {
                "id": 10_000 + uid,
                "userId": uid,
                "timeZone": zone,
                "availability": rng.choice(HOURS),
                "dateOverrides": overrides,
            }
        )
        if rng.random() < 0.08:  # away for a few days, now or soon
            away = datetime.combine(monday + timedelta(days=rng.randrange(-7, 10)), datetime.min.time(), UTC)
            out_of_office.append(
                {
                    "userId": uid,
                    "start": _iso(away),
                    "end": _iso(away + timedelta(days=rng.randrange(1, 6))),
                }
            )

    bookings: list[dict[str, Any]] = []
    per_host = BOOKINGS_PER_HOST_PER_WEEK * HISTORY_DAYS // 7
    history_start = now - timedelta(days=HISTORY_DAYS)
    for uid in host_ids:
        for n in range(per_host):
            created = history_start + timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400))
            # Booked 1-21 days ahead, on the hour or half hour, 06:00-21:30 UTC.
            day = (created + timedelta(days=rng.randrange(1, 22))).date()
            start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                minutes=30 * rng.randrange(12, 44)
            )
            status = rng.choices(["ACCEPTED", "PENDING", "CANCELLED"], weights=[85, 5, 10])[0]
            bookings.append(_booking(f"h-{uid}-{n}", uid, start, created, status, rng))

    # The reassigned bookings: next Tuesday-Thursday, 14:00-16:00 UTC (Europe afternoon, US-East morning).
    reassign_uids: list[str] = []
    for n in range(reassignments):
        slot = datetime.combine(monday + timedelta(days=1 + n % 3), datetime.min.time(), UTC) + timedelta(
            hours=14, minutes=30 * (n // 3 % 4)
        )
        reassign_uids.append(f"bench-{n}")
        organizer = host_ids[rng.randrange(hosts)]
        bookings.append(
            _booking(reassign_uids[-1], organizer, slot, now - timedelta(days=2), "ACCEPTED", rng)
        )

    data = {
        "users": users,
        "apiKeys": [{"key": OWNER_KEY, "userId": OWNER_ID}],
        "teams": [{"id": TEAM_ID, "name": "Sales", "members": [{"userId": OWNER_ID, "role": "OWNER"}]}],
        "schedules": schedules,
        "outOfOffice": out_of_office,
        "eventTypes": [
            {
                "id": EVENT_TYPE_ID,
                "title": "Discovery call",
                "slug": "discovery",
                "length": 30,
                "teamId": TEAM_ID,
                "schedulingType": "ROUND_ROBIN",
                "beforeEventBuffer": 5,
                "afterEventBuffer": 10,
                "isRRWeightsEnabled": True,
                "rrResetInterval": "MONTH",
                "rrTimestampBasis": "CREATED_AT",
                "hosts": [
                    {
                        "userId": uid,
                        "isFixed": False,
                        "priority": rng.choices([1, 2, 3], weights=[1, 8, 1])[0],
                        "weight": rng.choice([50, 100, 100, 150, 200]),
                        "createdAt": _iso(history_start),
                    }
                    for uid in host_ids
                ],
            }
        ],
        "bookings": bookings,
    }
    return BenchDataset(data, reassign_uids, OWNER_ID)


def _booking(
    uid: str, organizer: int, start: datetime, created: datetime, status: str, rng: random.Random
) -> dict[str, Any]:
    guest = f"Guest {rng.randrange(1_000_000)}"
    email = f"guest{rng.randrange(1_000_000)}@customer.test"
    return {
        "uid": uid,
        "eventTypeId": EVENT_TYPE_ID,
        "userId": organizer,
        "title": f"Discovery call between Host {organizer} and {guest}",
        "startTime": _iso(start),
        "endTime": _iso(start + LENGTH),
        "status": status,
        "createdAt": _iso(created),
        "attendees": [{"name": guest, "email": email, "timeZone": "Europe/London"}],
        "responses": {"name": guest, "email": email},
    }
