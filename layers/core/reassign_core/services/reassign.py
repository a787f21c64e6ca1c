"""Reassign a booking: read, decide (pure), write in one transaction; on conflict, start over."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from reassign_core.domain import planning, selection
from reassign_core.domain.errors import (
    BookingNotFound,
    ConcurrentModification,
    NoHostAvailable,
    WriteConflict,
)
from reassign_core.domain.models import Host, ReassignType, UserProfile
from reassign_core.domain.timeutil import utc_now
from reassign_core.store.repository import ReassignRepository

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class ReassignRequest:
    booking_uid: str
    actor_id: int
    target_id: int | None = None  # None: choose automatically
    reason: str | None = None

    @property
    def kind(self) -> ReassignType:
        return ReassignType.AUTO if self.target_id is None else ReassignType.MANUAL


@dataclass(frozen=True, slots=True)
class ReassignResult:
    booking_uid: str
    reassigned_to: UserProfile
    changed: bool = True  # False: the booking was already the target's and nothing was written


class ReassignService:
    def __init__(
        self,
        repository: ReassignRepository,
        max_attempts: int = 4,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._repository = repository
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._new_id = new_id

    def reassign(self, request: ReassignRequest) -> ReassignResult:
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._attempt(request)
            except WriteConflict as conflict:
                logger.info(
                    "Reassignment conflicted; retrying", extra={"attempt": attempt, "reasons": str(conflict)}
                )
                if attempt < self._max_attempts:
                    # Full jitter: concurrent losers spread out instead of colliding again.
                    self._sleep(random.uniform(0, 0.02 * 2**attempt))
        raise ConcurrentModification

    def _attempt(self, request: ReassignRequest) -> ReassignResult:
        repository = self._repository
        context = repository.read_request_context(request.booking_uid, request.actor_id, request.target_id)
        booking = context.booking
        if booking is None:
            raise BookingNotFound(request.booking_uid)
        event_type = (
            repository.read_event_type(booking.event_type_id) if booking.event_type_id is not None else None
        )
        now = self._clock()
        event_type = planning.check_reassignable(context.caller, booking, event_type, now)
        holder = planning.current_holder(event_type, booking)

        pool: list[Host]
        if request.target_id is not None:
            target = planning.manual_target(event_type, request.target_id, context.target)
            if holder is not None and holder.user_id == target.user_id:
                return ReassignResult(booking.uid, target.user, changed=False)  # already theirs
            pool = [target]
        else:
            pool = selection.candidates(event_type, booking)
            if not pool:
                raise NoHostAvailable

        wanted = planning.host_data_request(event_type, booking, holder, pool, now)
        data = repository.read_host_data(event_type, booking, wanted)
        winner = (
            pool[0]
            if request.target_id is not None
            else planning.choose_winner(event_type, booking, pool, data)
        )
        plan = planning.plan_reassignment(
            request.kind, request.actor_id, request.reason, event_type, booking, holder, winner, data
        )
        repository.commit(plan, event_type.id, now, self._new_id())
        logger.info(
            "Booking reassigned",
            extra={
                "bookingUid": booking.uid,
                "fromUserId": holder.user_id if holder else None,
                "toUserId": winner.user_id,
            },
        )
        return ReassignResult(booking.uid, winner.user)
