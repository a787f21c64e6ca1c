"""UTC instants as the API and the store spell them: ISO 8601 with milliseconds and `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


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
