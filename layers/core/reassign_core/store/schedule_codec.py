"""How schedules are stored: hours as text, parsed by cached parsers (a team's hosts share a
handful of spellings), for schedule items and the copies host items carry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from functools import lru_cache
from typing import Any

from reassign_core.domain.models import Schedule, TimeRange
from reassign_core.store import keys

Item = dict[str, Any]
WireItem = dict[str, Any]

# --- times of day ------------------------------------------------------------------------------


def parse_time_of_day(text: str) -> time | None:
    """`HH:MM`; `24:00` (end of day) is None."""
    return None if text == "24:00" else time.fromisoformat(text)


def format_time_of_day(moment: time | None) -> str:
    return "24:00" if moment is None else moment.strftime("%H:%M")


# --- schedules ---------------------------------------------------------------------------------
#
# Hours are stored as text: "09:00-12:00,13:00-17:00" for one day ("" = closed), and the week as
# its seven days Sunday first, joined by "|". A team's hosts share a handful of spellings, so
# reading 1000 schedules parses a handful of strings (the parsers are cached), not 1000 nested lists.

WEEKDAY_SEPARATOR = "|"


def format_ranges(ranges: Iterable[TimeRange]) -> str:
    return ",".join(f"{format_time_of_day(r.start)}-{format_time_of_day(r.end)}" for r in ranges)


def time_range(start: str, end: str) -> TimeRange:
    """`HH:MM`-`HH:MM`, the end possibly `24:00`; a range starting at 24:00 is refused."""
    opens = parse_time_of_day(start)
    if opens is None:
        raise ValueError(f"a range cannot start at {start}")
    return TimeRange(opens, parse_time_of_day(end))


@lru_cache(maxsize=1024)
def parse_ranges(text: str) -> tuple[TimeRange, ...]:
    return tuple(time_range(*part.split("-")) for part in text.split(",")) if text else ()


@lru_cache(maxsize=1024)
def parse_week(text: str) -> tuple[tuple[TimeRange, ...], ...]:
    days = tuple(parse_ranges(day) for day in text.split(WEEKDAY_SEPARATOR))
    if len(days) != 7:
        raise ValueError(f"a week has 7 days, not {len(days)}: {text!r}")
    return days


def hours_attributes(schedule: Schedule, zone: str, weekly: str, overrides: str) -> Item:
    """A schedule's zone and hours as the three attributes named."""
    return {
        zone: schedule.time_zone,
        weekly: WEEKDAY_SEPARATOR.join(format_ranges(day) for day in schedule.weekly),
        overrides: {day.isoformat(): format_ranges(r) for day, r in sorted(schedule.overrides.items())},
    }


def schedule_from_hours(schedule_id: int, zone: WireItem, weekly: WireItem, overrides: WireItem) -> Schedule:
    return Schedule(
        id=schedule_id,
        time_zone=zone["S"],
        weekly=parse_week(weekly["S"]),
        overrides={
            date.fromisoformat(day): parse_ranges(ranges["S"]) for day, ranges in overrides["M"].items()
        },
    )


def schedule_item(schedule: Schedule, user_id: int | None) -> Item:
    return {
        **keys.schedule(schedule.id),
        "id": schedule.id,
        "userId": user_id,
        **hours_attributes(schedule, "timeZone", "weekly", "overrides"),
    }


def schedule_from_wire(wire_item: WireItem) -> Schedule:
    return schedule_from_hours(
        int(wire_item["id"]["N"]), wire_item["timeZone"], wire_item["weekly"], wire_item["overrides"]
    )
