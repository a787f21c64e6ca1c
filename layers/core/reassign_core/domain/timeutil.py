"""UTC instants as the API and the store spell them: ISO 8601 with milliseconds and `Z`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is UTC:  # how the store spells every instant ("...Z"): nothing to convert
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_days(start: datetime, end: datetime) -> list[date]:
    """UTC days the half-open interval [start, end) touches."""
    last = (end - timedelta(microseconds=1)).date() if end > start else start.date()
    days, day = [], start.date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days
