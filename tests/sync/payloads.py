"""Cal.com webhook bodies as Cal.com sends them (the fields it sends, not only those the sync reads)."""

from __future__ import annotations

import copy
import json
from typing import Any

from reassign_core.sync.signature import sign

SECRET = "test-calcom-sync-secret-0123456789"


def booking_payload(
    uid: str,
    organizer: int = 2,
    start: str = "2050-01-07T13:00:00.000Z",
    end: str = "2050-01-07T14:00:00.000Z",
    event_type_id: int | None = 100,
    attendees: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    guests = attendees if attendees is not None else [attendee("Alice Guest", "alice@customer.test")]
    return {
        "type": "discovery",
        "title": "Discovery call between Host and Alice Guest",
        "description": "",
        "additionalNotes": "",
        "customInputs": {},
        "startTime": start,
        "endTime": end,
        "organizer": {
            "id": organizer,
            "name": f"Host {organizer}",
            "email": f"user{organizer}@example.test",
            "username": f"user{organizer}",
            "timeZone": "Europe/Berlin",
            "language": {"locale": "en"},
            "timeFormat": "h:mma",
            "utcOffset": 60,
        },
        "responses": {
            "name": {"label": "your_name", "value": guests[0].get("name", "") if guests else ""},
            "email": {"label": "email_address", "value": guests[0].get("email", "") if guests else ""},
            "location": {"label": "location", "value": {"optionValue": "", "value": "integrations:daily"}},
        },
        "userFieldsResponses": {},
        "attendees": guests,
        "location": "integrations:daily",
        "destinationCalendar": None,
        "hideCalendarNotes": False,
        "requiresConfirmation": None,
        "eventTypeId": event_type_id,
        "seatsShowAttendees": True,
        "seatsPerTimeSlot": None,
        "seatsShowAvailabilityCount": True,
        "schedulingType": "ROUND_ROBIN",
        "iCalUID": f"{uid}@Cal.com",
        "iCalSequence": 0,
        "uid": uid,
        "conferenceData": None,
        "videoCallData": {"type": "daily_video", "id": "abc", "password": "", "url": "https://cal.video/x"},
        "appsStatus": None,
        "eventTitle": "Discovery call",
        "eventDescription": None,
        "price": 0,
        "currency": "usd",
        "length": 60,
        "bookingId": 91,
        "metadata": {"videoCallUrl": "https://cal.video/x"},
        "status": "ACCEPTED",
        **extra,
    }


def attendee(name: str, email: str) -> dict[str, Any]:
    return {
        "email": email,
        "name": name,
        "firstName": "",
        "lastName": "",
        "timeZone": "America/New_York",
        "language": {"locale": "en"},
        "utcOffset": -300,
    }


def webhook(trigger: str, created_at: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"triggerEvent": trigger, "createdAt": created_at, "payload": copy.deepcopy(payload)}


def ooo_payload(entry_id: int, user_id: int, start: str, end: str) -> dict[str, Any]:
    return {
        "oooEntry": {
            "id": entry_id,
            "start": start,
            "end": end,
            "createdAt": "2026-11-20T08:00:00.000Z",
            "updatedAt": "2026-11-20T08:00:00.000Z",
            "notes": "Vacation",
            "reason": {"emoji": "🏝️", "reason": "vacation"},
            "reasonId": 1,
            "user": {
                "id": user_id,
                "name": f"Host {user_id}",
                "email": f"user{user_id}@example.test",
                "timeZone": "UTC",
            },
            "toUser": None,
            "uuid": "7b9d8f0e-1c2a-4b3d-9e8f-0a1b2c3d4e5f",
        }
    }


def signed(body: dict[str, Any] | bytes, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "X-Cal-Signature-256": sign(secret, raw)}
