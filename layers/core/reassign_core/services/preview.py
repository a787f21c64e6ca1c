"""See the choice before making it, and the choices made: reads only, never a write.

The candidates read exactly what an auto reassignment reads, in the same round trips, and rank them
with the same code (`planning.ranked_candidates`): rank 1 is whom the reassignment would pick now.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from reassign_core.domain import planning, selection
from reassign_core.domain.errors import BookingNotFound, PermissionDenied
from reassign_core.domain.models import Booking, Caller, EventType, UserProfile
from reassign_core.domain.permissions import may_read_event_type, may_reassign
from reassign_core.domain.planning import Candidate
from reassign_core.domain.timeutil import utc_now
from reassign_core.services.rate_limit import admit
from reassign_core.store.repository import AuditRecord, ReassignRepository


@dataclass(frozen=True, slots=True)
class CurrentHost:
    user_id: int
    profile: UserProfile | None  # None: the organizer is not a host of the event type


@dataclass(frozen=True, slots=True)
class CandidatesResult:
    booking_uid: str
    current_host: CurrentHost | None
    candidates: list[Candidate]


@dataclass(frozen=True, slots=True)
class HistoryPage:
    records: list[AuditRecord]
    take: int
    skip: int
    has_next_page: bool


class PreviewService:
    def __init__(self, repository: ReassignRepository, clock: Callable[[], datetime] = utc_now) -> None:
        self._repository = repository
        self._clock = clock

    def candidates(self, booking_uid: str, actor_id: int) -> CandidatesResult:
        caller, booking, event_type, _ = self._read(booking_uid, actor_id)
        now = self._clock()
        event_type = planning.check_reassignable(caller, booking, event_type, now)
        holder = planning.current_holder(event_type, booking)
        current = None
        if holder is not None:
            host = event_type.host(holder.user_id)
            current = CurrentHost(holder.user_id, host.user if host is not None else None)
        pool = selection.candidates(event_type, booking)
        if not pool:  # the reassignment reads no more either: it answers that nobody is available
            return CandidatesResult(booking.uid, current, [])
        wanted = planning.host_data_request(event_type, booking, holder, pool, now)
        data = self._repository.read_host_data(event_type, booking, wanted)
        return CandidatesResult(
            booking.uid, current, planning.ranked_candidates(event_type, booking, pool, data)
        )

    def history(self, booking_uid: str, actor_id: int, take: int, skip: int) -> HistoryPage:
        """The booking's audit records, newest first. Readable whatever the booking's state now:
        a past reassignment stays worth reading once the booking has ended or been cancelled."""
        # One more than asked for tells whether another page follows. The records are read alongside
        # the event type (two round trips, not three), and only shown once the caller may see them.
        caller, booking, event_type, pending = self._read(booking_uid, actor_id, audit_limit=skip + take + 1)
        if caller is None or not may_reassign(caller, booking, event_type):
            raise PermissionDenied
        assert pending is not None
        records = pending.result()[skip:]
        return HistoryPage(records[:take], take, skip, has_next_page=len(records) > take)

    def _read(
        self, booking_uid: str, actor_id: int, audit_limit: int | None = None
    ) -> tuple[Caller | None, Booking, EventType | None, Future[list[AuditRecord]] | None]:
        """Round trips 1 and 2 of a reassignment: the booking with the caller, then the event type;
        with `audit_limit`, the booking's audit records are read alongside the event type."""
        context = self._repository.read_request_context(booking_uid, actor_id, None)
        admit()  # the credential's count came back with the first read
        booking = context.booking
        if booking is None:
            raise BookingNotFound(booking_uid)
        if not may_read_event_type(context.caller, booking):
            raise PermissionDenied  # before the event type and its hosts are read: refusals stay cheap
        pending = self._repository.start_audit_read(booking.uid, audit_limit) if audit_limit else None
        event_type = (
            self._repository.read_event_type(booking.event_type_id)
            if booking.event_type_id is not None
            else None
        )
        return context.caller, booking, event_type, pending
