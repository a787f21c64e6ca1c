"""Who a booking counts for: its people are its organizer (by user id) and its attendees matched
to users by email, ignoring case; the round-robin hosts of its event type among them are the ones it
is counted for. Both are recorded with the booking (models.Participants), so the bookkeeping
(bookkeeping.py) sees a change as a pair of recorded states.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from reassign_core.domain.models import Booking, EventType, Participants


class Directory:
    """Who is who: users by email (ignoring case) and each event type's round-robin hosts."""

    def user_by_email(self, email: str) -> int | None:
        raise NotImplementedError

    def round_robin_hosts(self, event_type_id: int | None) -> Collection[int]:
        raise NotImplementedError


class UserDirectory(Directory):
    """Every user and every event type: resolves a booking's participants outright."""

    def __init__(
        self, user_ids_by_email: Mapping[str, int], round_robin: Mapping[int, Collection[int]]
    ) -> None:
        self._by_email = {email.casefold(): user_id for email, user_id in user_ids_by_email.items()}
        self._round_robin = round_robin

    def user_by_email(self, email: str) -> int | None:
        return self._by_email.get(email.casefold())

    def round_robin_hosts(self, event_type_id: int | None) -> Collection[int]:
        return self._round_robin.get(event_type_id, ()) if event_type_id is not None else ()


class EventTypeDirectory(Directory):
    """What one event type knows: its hosts by email, its round-robin hosts. A reassignment only moves
    the booking between its hosts, so this is all it needs (see `moved_participants`)."""

    def __init__(self, event_type: EventType) -> None:
        self._event_type = event_type
        self._round_robin_ids: frozenset[int] | None = None  # built on first use: 1000 hosts cost

    def user_by_email(self, email: str) -> int | None:
        host = self._event_type.host_by_email(email)
        return host.user_id if host is not None else None

    def round_robin_hosts(self, event_type_id: int | None) -> Collection[int]:
        if event_type_id != self._event_type.id:
            return ()
        if self._round_robin_ids is None:
            self._round_robin_ids = frozenset(h.user_id for h in self._event_type.round_robin_hosts)
        return self._round_robin_ids


def _people(booking: Booking, directory: Directory) -> frozenset[int]:
    found = (directory.user_by_email(a.email) for a in booking.attendees)
    return frozenset({booking.organizer_id, *(user_id for user_id in found if user_id is not None)})


def participants(booking: Booking, directory: Directory) -> Participants:
    """Whom the booking counts for, resolved from scratch (the directory must know every user)."""
    people = _people(booking, directory)
    return Participants(people, people & frozenset(directory.round_robin_hosts(booking.event_type_id)))


def with_participants(booking: Booking, directory: Directory) -> Booking:
    """The booking with its participants, resolved if none are recorded (a booking stored before
    they were kept: its derived data was computed the same way)."""
    if booking.participants is not None:
        return booking
    return replace(booking, participants=participants(booking, directory))


def moved_participants(before: Booking, after: Booking, directory: Directory) -> Participants:
    """The participants after a change that only moves people (a reassignment), from those recorded
    before: whoever the directory sees leave or join changes, everybody else stays as recorded."""
    recorded = with_participants(before, directory).participants
    assert recorded is not None
    seen_before, seen_after = _people(before, directory), _people(after, directory)
    left, joined = seen_before - seen_after, seen_after - seen_before
    round_robin = frozenset(directory.round_robin_hosts(after.event_type_id))
    return Participants(
        people=(recorded.people - left) | joined,
        round_robin=(recorded.round_robin - left) | (joined & round_robin),
    )
