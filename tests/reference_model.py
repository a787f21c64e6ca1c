"""A reference model of the choice (docs/selection.md): whom an auto reassignment should pick, the slow way.

It reads the raw dataset dict (docs/dataset.md), looks at *every* booking each time (no calendars,
no counters, no stats) and has its own availability code: it walks the booking minute by minute
and asks, for each minute, "is this instant inside some range of the schedule?". It deliberately
imports nothing from `reassign_core`, so a bug there cannot hide here.

Reading of the rules where they leave room (the service follows the same readings):
- A range's bounds are wall-clock times of a date in the schedule's zone and become instants by the
  usual calendar rule (RFC 5545, JavaScript Temporal "compatible", Python's `fold=0`): a wall time
  skipped by a spring-forward gap is shifted forward by the gap (02:30 → 03:30 on that day), a
  repeated wall time means its first occurrence. `24:00` is the next date's `00:00`.
- Ranges of a date are a union: touching or overlapping ranges (22:00-24:00 then 00:00-02:00 of the
  next day) together cover a booking. An override with `startTime == endTime` contributes no time;
  a date with only such overrides is off all day.
- Out-of-office is compared with the booking's own interval; only conflicting bookings are
  compared with the buffered interval.
- Weighting counts and "least recently booked" look at ACCEPTED bookings of the event type where
  the host is the organizer or an attendee (by email, case-insensitive). With every round-robin
  weight 0 (`W == 0`) the weighted share is taken as 0, so the shortfall is `-count`.
- CREATED_AT weighting counts bookings created from the start of the UTC month/day containing
  `now` until `now` included.
- Calibration counts a booking once per round-robin host it is counted for (as the total does); a
  host without `createdAt` was added before any interval; an out-of-office entry's end is included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
BUSY = ("ACCEPTED", "PENDING")

Dataset = dict[str, Any]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _same_email(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _user(dataset: Dataset, user_id: int) -> dict[str, Any]:
    return next(u for u in dataset["users"] if u["id"] == user_id)


def _involves(booking: dict[str, Any], user: dict[str, Any]) -> bool:
    """The user is the booking's organizer, or one of its attendees by email."""
    return booking["userId"] == user["id"] or any(
        _same_email(a["email"], user["email"]) for a in booking.get("attendees", [])
    )


# --- availability ------------------------------------------------------------------------------


def _wall_clock(day: date, text: str, zone: ZoneInfo) -> datetime:
    if text == "24:00":
        day, text = day + timedelta(days=1), "00:00"
    return datetime.combine(day, time.fromisoformat(text), tzinfo=zone).astimezone(UTC)


def _ranges_of_date(schedule: dict[str, Any], day: date) -> list[tuple[str, str]]:
    overrides = [o for o in schedule.get("dateOverrides", []) if o["date"] == day.isoformat()]
    if overrides:
        return [(o["startTime"], o["endTime"]) for o in overrides if o["startTime"] != o["endTime"]]
    sunday_first = day.isoweekday() % 7  # 0 = Sunday … 6 = Saturday
    return [
        (w["startTime"], w["endTime"]) for w in schedule.get("availability", []) if sunday_first in w["days"]
    ]


def _minute_is_open(schedule: dict[str, Any], moment: datetime) -> bool:
    zone = ZoneInfo(schedule.get("timeZone", "UTC"))
    local_date = moment.astimezone(zone).date()
    for day in (local_date - timedelta(days=1), local_date, local_date + timedelta(days=1)):
        for start, end in _ranges_of_date(schedule, day):
            if _wall_clock(day, start, zone) <= moment < _wall_clock(day, end, zone):
                return True
    return False


def schedule_covers(schedule: dict[str, Any] | None, start: datetime, end: datetime) -> bool:
    """Every minute of [start, end) lies in an available range."""
    if schedule is None:
        return False
    assert start.second == start.microsecond == end.second == end.microsecond == 0, (
        "minute-aligned times only"
    )
    moment = start
    while moment < end:
        if not _minute_is_open(schedule, moment):
            return False
        moment += MINUTE
    return True


def schedule_for(dataset: Dataset, event_type: dict[str, Any], host: dict[str, Any]) -> dict[str, Any] | None:
    """Event type's schedule, else the host's, else the user's default; none → None."""
    schedule_id = (
        event_type.get("scheduleId")
        or host.get("scheduleId")
        or _user(dataset, host["userId"]).get("defaultScheduleId")
    )
    return next((s for s in dataset.get("schedules", []) if s["id"] == schedule_id), None)


def is_available(
    dataset: Dataset, event_type: dict[str, Any], host: dict[str, Any], booking: dict[str, Any]
) -> bool:
    user = _user(dataset, host["userId"])
    start, end = instant(booking["startTime"]), instant(booking["endTime"])
    if not schedule_covers(schedule_for(dataset, event_type, host), start, end):
        return False
    for away in dataset.get("outOfOffice", []):
        if away["userId"] == user["id"] and instant(away["start"]) < end and instant(away["end"]) > start:
            return False
    busy_from = start - timedelta(minutes=event_type.get("beforeEventBuffer", 0))
    busy_until = end + timedelta(minutes=event_type.get("afterEventBuffer", 0))
    for other in dataset.get("bookings", []):
        if other["uid"] == booking["uid"] or other.get("status", "ACCEPTED") not in BUSY:
            continue
        if not _involves(other, user):
            continue
        if instant(other["startTime"]) < busy_until and instant(other["endTime"]) > busy_from:
            return False
    return True


# --- the lucky host ----------------------------------------------------------------------------


def _accepted_of_type(dataset: Dataset, event_type_id: int) -> list[dict[str, Any]]:
    return [
        b
        for b in dataset.get("bookings", [])
        if b.get("eventTypeId") == event_type_id and b.get("status", "ACCEPTED") == "ACCEPTED"
    ]


def _period(moment: datetime, reset: str) -> tuple[int, ...]:
    return (moment.year, moment.month) if reset == "MONTH" else (moment.year, moment.month, moment.day)


def weighted_counts(
    dataset: Dataset, event_type: dict[str, Any], booking: dict[str, Any], now: datetime
) -> dict[int, int]:
    """ACCEPTED bookings of the event type per round-robin host in the current interval."""
    return {
        user_id: len(mine) for user_id, mine in counted_bookings(dataset, event_type, booking, now).items()
    }


def counted_bookings(
    dataset: Dataset, event_type: dict[str, Any], booking: dict[str, Any], now: datetime
) -> dict[int, list[dict[str, Any]]]:
    """The bookings each round-robin host's count is made of."""
    reset = event_type.get("rrResetInterval", "MONTH")
    basis = event_type.get("rrTimestampBasis", "CREATED_AT")
    counts: dict[int, list[dict[str, Any]]] = {}
    for host in event_type["hosts"]:
        if host.get("isFixed", False):
            continue
        user = _user(dataset, host["userId"])
        mine = []
        for other in _accepted_of_type(dataset, event_type["id"]):
            if not _involves(other, user):
                continue
            if basis == "CREATED_AT":
                created = instant(other["createdAt"])
                counted = _period(created, reset) == _period(now, reset) and created <= now
            else:
                counted = _period(instant(other["startTime"]), reset) == _period(
                    instant(booking["startTime"]), reset
                )
            if counted:
                mine.append(other)
        counts[host["userId"]] = mine
    return counts


def interval_bounds(
    event_type: dict[str, Any], booking: dict[str, Any], now: datetime
) -> tuple[datetime, datetime]:
    """[start, end) of the UTC month or day weighted over."""
    moment = (
        now
        if event_type.get("rrTimestampBasis", "CREATED_AT") == "CREATED_AT"
        else instant(booking["startTime"])
    )
    moment = moment.astimezone(UTC)
    if event_type.get("rrResetInterval", "MONTH") == "DAY":
        start = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        return start, start + timedelta(days=1)
    start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
    return start, datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)


def calibration(
    dataset: Dataset, event_type: dict[str, Any], booking: dict[str, Any], now: datetime
) -> dict[int, Fraction]:
    """Each round-robin host's calibration, straight from the rule's words, one booking at a time."""
    round_robin = [h for h in event_type["hosts"] if not h.get("isFixed", False)]
    counted = [b for mine in counted_bookings(dataset, event_type, booking, now).values() for b in mine]
    start, end = interval_bounds(event_type, booking, now)

    def added(host: dict[str, Any]) -> datetime | None:
        return instant(host["createdAt"]) if host.get("createdAt") else None

    result = {}
    for host in round_robin:
        me, c = host["userId"], Fraction(0)
        joined = added(host)
        if joined is not None and joined >= start:
            before = [b for b in counted if b["userId"] != me and instant(b["createdAt"]) < joined]
            earlier = [
                h for h in round_robin if h["userId"] != me and (added(h) is None or added(h) < joined)
            ]
            if before and earlier:
                c += Fraction(len(before), len(earlier))
        if len(round_robin) > 1:
            for away in dataset.get("outOfOffice", []):
                away_start, away_end = instant(away["start"]), instant(away["end"])
                if away["userId"] != me or not (away_start < end and away_end > start):
                    continue
                meanwhile = [
                    b
                    for b in counted
                    if b["userId"] != me and away_start <= instant(b["createdAt"]) <= away_end
                ]
                c += Fraction(len(meanwhile), len(round_robin) - 1)
        result[me] = c
    return result


def _keep_best(hosts: list[dict[str, Any]], score: Any) -> list[dict[str, Any]]:
    best = max(score(h) for h in hosts)
    return [h for h in hosts if score(h) == best]


def last_booked(dataset: Dataset, event_type: dict[str, Any], user_id: int) -> datetime | None:
    user = _user(dataset, user_id)
    mine = [
        instant(b["createdAt"]) for b in _accepted_of_type(dataset, event_type["id"]) if _involves(b, user)
    ]
    return max(mine, default=None)


def selection_stages(dataset: Dataset, booking_uid: str, now: datetime) -> dict[str, list[int]]:
    """The host pool after each step of the choice (user ids, in host order); the winner is the last."""
    booking = next(b for b in dataset["bookings"] if b["uid"] == booking_uid)
    event_type = next(e for e in dataset["eventTypes"] if e["id"] == booking["eventTypeId"])
    attendee_emails = [a["email"] for a in booking.get("attendees", [])]
    candidates = [
        h
        for h in event_type["hosts"]
        if not h.get("isFixed", False)
        and h["userId"] != booking["userId"]
        and not any(_same_email(_user(dataset, h["userId"])["email"], e) for e in attendee_emails)
    ]
    pool = [h for h in candidates if is_available(dataset, event_type, h, booking)]
    stages = {"candidates": candidates, "available": pool, **_choice(dataset, event_type, booking, pool, now)}
    return {stage: [h["userId"] for h in hosts] for stage, hosts in stages.items()}


def _choice(
    dataset: Dataset,
    event_type: dict[str, Any],
    booking: dict[str, Any],
    pool: list[dict[str, Any]],
    now: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """The pool after the weights, the priority and the winner, from the available hosts `pool`."""
    stages: dict[str, list[dict[str, Any]]] = {}
    if pool and event_type.get("isRRWeightsEnabled", False):
        counts = weighted_counts(dataset, event_type, booking, now)
        credit = calibration(dataset, event_type, booking, now)
        round_robin = [h for h in event_type["hosts"] if not h.get("isFixed", False)]
        total = sum(counts.values()) + sum(credit.values())
        weight_sum = sum(h.get("weight", 100) for h in round_robin)

        def shortfall(host: dict[str, Any]) -> Fraction:
            share = total * Fraction(host.get("weight", 100), weight_sum) if weight_sum else Fraction(0)
            return share - counts[host["userId"]] - credit[host["userId"]]

        pool = _keep_best(_keep_best(pool, shortfall), lambda h: h.get("weight", 100))
        stages["weights"] = pool
    if pool:
        pool = _keep_best(pool, lambda h: h.get("priority", 2))
        stages["priority"] = pool
        # Least recently booked: never booked sorts first; ties keep host order (min is stable).
        oldest = datetime.min.replace(tzinfo=UTC)
        stages["winner"] = [min(pool, key=lambda h: last_booked(dataset, event_type, h["userId"]) or oldest)]
    return stages


def expected_ranking(dataset: Dataset, booking_uid: str, now: datetime) -> list[int]:
    """The available hosts in the order repeated auto choices would take them (the winner first)."""
    booking = next(b for b in dataset["bookings"] if b["uid"] == booking_uid)
    event_type = next(e for e in dataset["eventTypes"] if e["id"] == booking["eventTypeId"])
    by_id = {h["userId"]: h for h in event_type["hosts"]}
    left = [by_id[i] for i in selection_stages(dataset, booking_uid, now)["available"]]
    ranking: list[int] = []
    while left:
        winner = _choice(dataset, event_type, booking, left, now)["winner"][0]
        ranking.append(winner["userId"])
        left = [h for h in left if h is not winner]
    return ranking


def expected_winner(dataset: Dataset, booking_uid: str, now: datetime) -> int | None:
    """The user id an auto reassignment of `booking_uid` must pick at `now`; None: nobody is free."""
    winner = selection_stages(dataset, booking_uid, now).get("winner")
    return winner[0] if winner else None


# --- the write -------------------------------------------------------------------------------


def _attendee_name(booking: dict[str, Any]) -> str:
    name = booking.get("responses", {}).get("name")
    if isinstance(name, str) and name:
        return name
    attendees = booking.get("attendees", [])
    return attendees[0]["name"] if attendees and attendees[0].get("name") else "Nameless"


def expected_title(event_type: dict[str, Any], organizer_name: str, booking: dict[str, Any]) -> str:
    scheduler = _attendee_name(booking)
    template = event_type.get("eventName")
    if not template:
        return f"{event_type['title']} between {organizer_name} and {scheduler}"
    return (
        template.replace("{Event type title}", event_type["title"])
        .replace("{Organiser}", organizer_name)
        .replace("{Scheduler}", scheduler)
    )


def round_robin_holder(dataset: Dataset, booking: dict[str, Any]) -> tuple[int, int | None] | None:
    """(user id, attendee index or None for the organizer) of the booking's round-robin host."""
    event_type = next(e for e in dataset["eventTypes"] if e["id"] == booking["eventTypeId"])
    host_of = {h["userId"]: h for h in event_type["hosts"]}
    organizer = host_of.get(booking["userId"])
    if organizer is None or not organizer.get("isFixed", False):
        return booking["userId"], None
    for index, attendee in enumerate(booking.get("attendees", [])):
        for host in event_type["hosts"]:
            if not host.get("isFixed", False) and _same_email(
                _user(dataset, host["userId"])["email"], attendee["email"]
            ):
                return host["userId"], index
    return None


def expected_booking_after(dataset: Dataset, booking_uid: str, winner_id: int) -> dict[str, Any]:
    """Organizer, title and attendees once `winner_id` took the booking's round-robin seat."""
    booking = next(b for b in dataset["bookings"] if b["uid"] == booking_uid)
    event_type = next(e for e in dataset["eventTypes"] if e["id"] == booking["eventTypeId"])
    winner = _user(dataset, winner_id)
    seat = {
        "name": winner.get("name", ""),
        "email": winner["email"],
        "timeZone": winner.get("timeZone", "UTC"),
    }
    after = {"userId": booking["userId"], "title": booking["title"], "attendees": list(booking["attendees"])}
    holder = round_robin_holder(dataset, booking)
    if holder is None:  # a fixed host organizes and no round-robin host attends: the winner joins
        after["attendees"].append(seat)
    elif holder[1] is None:  # the round-robin host organized: the winner takes over, title follows
        after["userId"] = winner_id
        after["title"] = expected_title(event_type, winner.get("name") or "Nameless", booking)
    else:  # a fixed host organizes: the winner takes the previous round-robin host's seat
        after["attendees"][holder[1]] = seat
    return after
