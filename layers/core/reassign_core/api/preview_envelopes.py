"""Bodies of the two read routes: the candidates for a booking and its reassignment history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from reassign_core.api.envelopes import DOCUMENTED_RESPONSES, Success, display_email, with_rate_limit_headers
from reassign_core.domain.availability import Unavailability
from reassign_core.domain.planning import Candidate
from reassign_core.domain.timeutil import iso
from reassign_core.services.preview import CandidatesResult, HistoryPage

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse


class CurrentHostBody(BaseModel):
    id: int
    name: str | None
    email: str | None


class CandidateBody(BaseModel):
    id: int
    name: str
    email: str
    displayEmail: str = Field(description="email without a managed-user suffix")
    available: bool
    reason: Unavailability | None = Field(description="why an unavailable candidate cannot take the booking")
    rank: int | None = Field(description="1 = whom the auto reassignment would pick now; null if unavailable")
    priority: int
    weight: int
    bookingsInInterval: int | None = Field(
        description="ACCEPTED bookings in the weighting interval; null without weights"
    )
    calibration: float | None = Field(
        description="bookings credited for joining or being away during the interval (added to "
        "bookingsInInterval when weighing); null without weights"
    )
    lastBookedAt: str | None = Field(
        description="createdAt of the host's latest ACCEPTED booking of this event type"
    )


class CandidatesData(BaseModel):
    bookingUid: str
    currentHost: CurrentHostBody | None = Field(description="the round-robin host being replaced")
    candidates: list[CandidateBody]


class CandidatesEnvelope(Success):
    data: CandidatesData


class ReassignmentRecord(BaseModel):
    id: str
    type: str = Field(pattern="^(auto|manual)$")
    fromUserId: int | None
    toUserId: int
    reassignedById: int
    reason: str | None
    at: str


class Pagination(BaseModel):
    """As Cal.com's paginated lists, without the totals (they would cost a read of every record)."""

    returnedItems: int
    itemsPerPage: int
    currentPage: int
    hasNextPage: bool
    hasPreviousPage: bool


class HistoryEnvelope(Success):
    data: list[ReassignmentRecord]
    pagination: Pagination


def _candidate_body(candidate: Candidate) -> CandidateBody:
    host, user = candidate.host, candidate.host.user
    return CandidateBody(
        id=user.id,
        name=user.name,
        email=user.email,
        displayEmail=display_email(user.email),
        available=candidate.reason is None,
        reason=candidate.reason,
        rank=candidate.rank,
        priority=host.priority,
        weight=host.weight,
        bookingsInInterval=candidate.bookings_in_interval,
        # A fraction (peers' bookings shared out): shown to 4 decimals, it decides exactly.
        calibration=round(float(candidate.calibration), 4) if candidate.calibration is not None else None,
        lastBookedAt=iso(candidate.last_booked_at) if candidate.last_booked_at is not None else None,
    )


def candidates_body(result: CandidatesResult) -> CandidatesEnvelope:
    current = result.current_host
    current_body = None
    if current is not None:
        profile = current.profile
        current_body = CurrentHostBody(
            id=current.user_id,
            name=profile.name if profile else None,
            email=profile.email if profile else None,
        )
    return CandidatesEnvelope(
        data=CandidatesData(
            bookingUid=result.booking_uid,
            currentHost=current_body,
            candidates=[_candidate_body(c) for c in result.candidates],
        )
    )


def history_body(page: HistoryPage) -> HistoryEnvelope:
    records = [
        ReassignmentRecord(
            id=r.id,
            type=r.type,
            fromUserId=r.from_user_id,
            toUserId=r.to_user_id,
            reassignedById=r.reassigned_by_id,
            reason=r.reason,
            at=r.at,
        )
        for r in page.records
    ]
    pagination = Pagination(
        returnedItems=len(records),
        itemsPerPage=page.take,
        currentPage=page.skip // page.take + 1,
        hasNextPage=page.has_next_page,
        hasPreviousPage=page.skip > 0,
    )
    return HistoryEnvelope(data=records, pagination=pagination)


def _read_responses(model: type[BaseModel], description: str) -> dict[int, OpenAPIResponse]:
    errors = {status: r for status, r in DOCUMENTED_RESPONSES.items() if status not in (200, 409, 422)}
    ok: OpenAPIResponse = {"description": description, "content": {"application/json": {"model": model}}}
    return with_rate_limit_headers({200: ok, **errors})


CANDIDATES_RESPONSES: dict[int, Any] = _read_responses(CandidatesEnvelope, "The candidates, ranked")
HISTORY_RESPONSES: dict[int, Any] = _read_responses(
    HistoryEnvelope, "The booking's reassignments, newest first"
)
