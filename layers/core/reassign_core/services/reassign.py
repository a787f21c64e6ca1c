"""Reassign a booking: read, decide (pure), write in one transaction; on conflict, start over.

Exactly once: a transaction whose answer was lost (a timeout, a dropped connection, a resend that
failed its conditions because the first send had applied) may have applied. Before deciding again,
the next attempt's first read also fetches the audit record of every transaction this request has
sent; if one exists, that transaction applied and the request answers with its result instead of
moving the booking a second time. No extra round trip: the audit keys ride in the booking's batch.
"""

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
    CommitOutcomeUnknown,
    ConcurrentModification,
    NoHostAvailable,
    PermissionDenied,
    ReassignError,
    StoreUnavailable,
    WriteConflict,
)
from reassign_core.domain.models import Host, ReassignType, RequestSource, UserProfile
from reassign_core.domain.permissions import may_read_event_type
from reassign_core.domain.timeutil import utc_now
from reassign_core.services.rate_limit import admit
from reassign_core.store.repository import ReassignRepository, RequestContext, SentWrite

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class ReassignRequest:
    booking_uid: str
    actor_id: int
    target_id: int | None = None  # None: choose automatically
    reason: str | None = None
    source: RequestSource = RequestSource.HTTP  # recorded in the audit record and the event

    @property
    def kind(self) -> ReassignType:
        return ReassignType.AUTO if self.target_id is None else ReassignType.MANUAL


@dataclass(frozen=True, slots=True)
class ReassignResult:
    booking_uid: str
    reassigned_to: UserProfile
    changed: bool = True  # False: the booking was already the target's and nothing was written


@dataclass(frozen=True, slots=True)
class TimeBudget:
    """How long a request may take, and how long one store call can (every botocore attempt, each
    timing out, plus its backoffs). A retry starts only if one more call still fits."""

    total_seconds: float
    longest_call_seconds: float


@dataclass(frozen=True, slots=True)
class _Sent:
    write: SentWrite
    result: ReassignResult  # the answer, if this transaction turns out to have applied


class ReassignService:
    def __init__(
        self,
        repository: ReassignRepository,
        max_attempts: int = 4,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        budget: TimeBudget | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._new_id = new_id
        self._budget = budget
        self._monotonic = monotonic

    def reassign(self, request: ReassignRequest) -> ReassignResult:
        started = self._monotonic()
        sent: list[_Sent] = []
        failure: ReassignError = ConcurrentModification()
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._attempt(request, sent)
            except WriteConflict as conflict:
                failure = ConcurrentModification()
                logger.info(
                    "Reassignment conflicted; retrying", extra={"attempt": attempt, "reasons": str(conflict)}
                )
            except CommitOutcomeUnknown as unknown:
                failure = StoreUnavailable()
                logger.warning(
                    "Reassignment's write outcome unknown; checking it before anything else",
                    extra={"attempt": attempt, "error": repr(unknown.__cause__)},
                )
            self._pause_before_retry(attempt, started, failure)
        # Every write failed; the last one may still have landed (its answer lost): check it once.
        context = self._read_context(request, sent)
        if (landed := self._landed(context, sent)) is not None:
            return landed
        raise failure

    def _pause_before_retry(self, attempt: int, started: float, failure: ReassignError) -> None:
        """Full jitter (concurrent losers spread out instead of colliding again), unless no time
        is left for one more store call: then the request answers its failure now (409 or 503),
        before the function's own timeout would."""
        pause = random.uniform(0, 0.02 * 2**attempt)
        if self._budget is not None:
            elapsed = self._monotonic() - started
            if elapsed + pause + self._budget.longest_call_seconds > self._budget.total_seconds:
                logger.warning("No time left to retry the reassignment", extra={"elapsedSeconds": elapsed})
                raise failure
        self._sleep(pause)

    def _read_context(self, request: ReassignRequest, sent: list[_Sent]) -> RequestContext:
        return self._repository.read_request_context(
            request.booking_uid, request.actor_id, request.target_id, [s.write for s in sent]
        )

    @staticmethod
    def _landed(context: RequestContext, sent: list[_Sent]) -> ReassignResult | None:
        for earlier in sent:
            if earlier.write == context.landed:
                logger.info(
                    "An earlier write of this reassignment had applied; answering it",
                    extra={"eventId": earlier.write.event_id},
                )
                return earlier.result
        return None

    def _attempt(self, request: ReassignRequest, sent: list[_Sent]) -> ReassignResult:
        repository = self._repository
        context = self._read_context(request, sent)
        admit()  # the credential's count came back with the first read
        if (landed := self._landed(context, sent)) is not None:
            return landed
        booking = context.booking
        if booking is None:
            raise BookingNotFound(request.booking_uid)
        if not may_read_event_type(context.caller, booking):
            raise PermissionDenied  # before the event type and its hosts are read: refusals stay cheap
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
            request.kind,
            request.actor_id,
            request.reason,
            event_type,
            booking,
            holder,
            winner,
            data,
            source=request.source,
        )
        result = ReassignResult(booking.uid, winner.user)
        write = SentWrite(self._new_id(), now)
        sent.append(_Sent(write, result))
        repository.commit(plan, event_type.id, now, write.event_id)
        logger.info(
            "Booking reassigned",
            extra={
                "bookingUid": booking.uid,
                "fromUserId": holder.user_id if holder else None,
                "toUserId": winner.user_id,
            },
        )
        return result
