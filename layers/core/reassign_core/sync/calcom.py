"""Cal.com's webhook bodies, mapped to what the store keeps: pure, no I/O.

A body is `{"triggerEvent", "createdAt", "payload"}`. Booking triggers carry the booking in `payload`
(`uid`, `eventTypeId`, `title`, `startTime`, `endTime`, `status`, `organizer`, `attendees`,
`responses`; a reschedule also `rescheduleUid`); OOO_CREATED carries `payload.oooEntry`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reassign_core.domain.errors import InvalidRequest
from reassign_core.domain.models import Attendee, BookingStatus
from reassign_core.domain.timeutil import parse_iso

BOOKING_TRIGGERS = frozenset(
    {"BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED", "BOOKING_REJECTED"}
)
OOO_TRIGGER = "OOO_CREATED"
# The state each trigger leaves the booking in (BOOKING_CREATED: the payload's status, if any).
_FINAL_STATUS = {
    "BOOKING_REQUESTED": BookingStatus.PENDING,
    "BOOKING_CANCELLED": BookingStatus.CANCELLED,
    "BOOKING_REJECTED": BookingStatus.REJECTED,
}
MAX_ID = 2**31 - 1


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time")
    try:
        return parse_iso(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time with a time zone") from None


class _Organizer(_Lenient):
    id: int = Field(gt=0, le=MAX_ID, strict=True)
    name: str = ""
    email: str = ""
    timeZone: str = "UTC"


class _Attendee(_Lenient):
    name: str = ""
    email: str = Field(min_length=1, max_length=320)
    timeZone: str = "UTC"


class _Booking(_Lenient):
    uid: str = Field(min_length=1, max_length=128)
    eventTypeId: int | None = Field(default=None, gt=0, le=MAX_ID, strict=True)
    title: str = ""
    startTime: datetime
    endTime: datetime
    status: str | None = None
    organizer: _Organizer
    attendees: list[_Attendee] = Field(default_factory=list, max_length=500)
    responses: dict[str, Any] = Field(default_factory=dict)
    rescheduleUid: str | None = Field(default=None, min_length=1, max_length=128)
    # The replaced booking's time, as Cal.com sends it with a reschedule: only a hint of what to read.
    rescheduleStartTime: str | None = None
    rescheduleEndTime: str | None = None

    @field_validator("startTime", "endTime", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime:
        return _instant(value)

    @model_validator(mode="after")
    def _ordered(self) -> _Booking:
        if self.endTime <= self.startTime:
            raise ValueError("endTime must be after startTime")
        return self


class _OooUser(_Lenient):
    id: int = Field(gt=0, le=MAX_ID, strict=True)


class _OooEntry(_Lenient):
    id: int | str
    start: datetime
    end: datetime
    user: _OooUser

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime:
        return _instant(value)

    @model_validator(mode="after")
    def _ordered(self) -> _OooEntry:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class _Envelope(_Lenient):
    triggerEvent: str = Field(min_length=1, max_length=64)
    createdAt: datetime
    payload: dict[str, Any]

    @field_validator("createdAt", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime:
        return _instant(value)


@dataclass(frozen=True, slots=True)
class BookingState:
    """A booking as Cal.com describes it after the event."""

    uid: str
    event_type_id: int | None
    organizer_id: int
    title: str
    start: datetime
    end: datetime
    status: BookingStatus
    attendees: tuple[Attendee, ...]
    responses: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutOfOffice:
    user_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SyncEvent:
    trigger: str
    created_at: datetime  # the webhook's: orders the events of one booking
    booking: BookingState | None = None  # booking triggers
    replaces_uid: str | None = None  # BOOKING_RESCHEDULED: the booking it cancels
    replaced_span: tuple[datetime, datetime] | None = None  # its time, if Cal.com says it
    out_of_office: OutOfOffice | None = None  # OOO_CREATED

    @property
    def handled(self) -> bool:
        return self.booking is not None or self.out_of_office is not None


def _problems(error: ValidationError, prefix: str) -> str:
    lines = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in (prefix, *problem["loc"]) if part != "")
        lines.append(f"{where or 'body'}: {str(problem['msg']).removeprefix('Value error, ')}")
    return "; ".join(lines)


def _answers(responses: dict[str, Any]) -> dict[str, Any]:
    """Cal.com sends each response as `{"label", "value"}` (older versions: the bare value)."""
    return {
        name: answer.get("value") if isinstance(answer, dict) and "value" in answer else answer
        for name, answer in responses.items()
    }


def _status(trigger: str, stated: str | None) -> BookingStatus:
    if trigger in _FINAL_STATUS:
        return _FINAL_STATUS[trigger]
    if stated is not None and stated.upper() in BookingStatus.__members__:
        return BookingStatus(stated.upper())
    return BookingStatus.ACCEPTED


def _span(start: str | None, end: str | None) -> tuple[datetime, datetime] | None:
    try:
        span = (_instant(start), _instant(end))
    except ValueError:
        return None  # a hint only: the stored booking is what counts
    return span if span[0] < span[1] else None


def parse_event(body: bytes) -> SyncEvent:
    """The event a (signature-checked) body describes; InvalidRequest says what is wrong."""
    try:
        document = json.loads(body)
    # RecursionError: nested too deeply; ValueError also covers an integer past 4,300 digits.
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidRequest("Body is not valid JSON") from None
    if not isinstance(document, dict):
        raise InvalidRequest("Body must be a JSON object")
    try:
        envelope = _Envelope.model_validate(document)
    except ValidationError as error:
        raise InvalidRequest(_problems(error, "")) from None
    trigger = envelope.triggerEvent
    if trigger in BOOKING_TRIGGERS:
        try:
            booking = _Booking.model_validate(envelope.payload)
        except ValidationError as error:
            raise InvalidRequest(_problems(error, "payload")) from None
        state = BookingState(
            uid=booking.uid,
            event_type_id=booking.eventTypeId,
            organizer_id=booking.organizer.id,
            title=booking.title,
            start=booking.startTime,
            end=booking.endTime,
            status=_status(trigger, booking.status),
            attendees=tuple(Attendee(a.name, a.email, a.timeZone) for a in booking.attendees),
            responses=_answers(booking.responses),
        )
        replaces = booking.rescheduleUid if trigger == "BOOKING_RESCHEDULED" else None
        if replaces == booking.uid:
            replaces = None
        span = _span(booking.rescheduleStartTime, booking.rescheduleEndTime) if replaces else None
        return SyncEvent(
            trigger, envelope.createdAt, booking=state, replaces_uid=replaces, replaced_span=span
        )
    if trigger == OOO_TRIGGER:
        try:
            entry = _OooEntry.model_validate(envelope.payload.get("oooEntry"))
        except ValidationError as error:
            raise InvalidRequest(_problems(error, "payload.oooEntry")) from None
        return SyncEvent(
            trigger, envelope.createdAt, out_of_office=OutOfOffice(entry.user.id, entry.start, entry.end)
        )
    return SyncEvent(trigger, envelope.createdAt)
