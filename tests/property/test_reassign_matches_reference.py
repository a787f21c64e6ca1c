"""Random datasets through the real loader, store and service, checked against the reference model.

Each example loads a generated dataset, then reassigns a few bookings in a row (mostly auto, now
and then manual) with the service's clock pinned to the scenario's `now`. After every step:
- auto: the service picks exactly the reference model's host, or both say nobody (400);
- the booking is written as docs/selection.md says (organizer/title, or the round-robin attendee seat);
- the store's derived items (calendars, stats, timelines, counters) equal a fresh load of the
  bookings as they are now: the in-place bookkeeping never drifts.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import event as event_label
from hypothesis import given, note

from local.cfn import ensure_tables
from tests.property.profiles import profile
from tests.property.store_state import current_dataset, derived_drift, service_clock
from tests.property.strategies import OWNER, ROUND_ROBIN_TYPE, Scenario, Step, scenarios
from tests.reference_model import (
    expected_booking_after,
    expected_winner,
    round_robin_holder,
    selection_stages,
)

NO_HOST = "Can't reassign the booking because no other host is available at that time."


def _booking(dataset: dict[str, Any], uid: str) -> dict[str, Any]:
    return next(b for b in dataset["bookings"] if b["uid"] == uid)


def _host(dataset: dict[str, Any], user_id: int) -> dict[str, Any] | None:
    event_type = next(e for e in dataset["eventTypes"] if e["id"] == ROUND_ROBIN_TYPE)
    return next((h for h in event_type["hosts"] if h["userId"] == user_id), None)


def deciding_stage(stages: dict[str, list[int]]) -> str:
    """Which rule settled the choice (for Hypothesis' statistics: are all rules exercised?)."""
    if len(stages["available"]) <= 1:
        return f"{len(stages['available'])} available"
    for stage in ("weights", "priority"):
        if len(stages.get(stage, ())) == 1:
            return f"decided by {stage}"
    return "decided by least recently booked / host order"


def _shape(booking: dict[str, Any]) -> dict[str, Any]:
    return {"userId": booking["userId"], "title": booking["title"], "attendees": booking["attendees"]}


def check_step(
    invoke: Any, store: Any, scenario: Scenario, found: list[dict[str, Any]], step: Step
) -> list[dict[str, Any]]:
    """Run one step, check its answer and write; returns the data table as it is afterwards."""
    kind, uid, target = step
    before = current_dataset(found, scenario.dataset)
    booking = _booking(before, uid)
    event = {"bookingUid": uid, "actorUserId": OWNER} | ({"userId": target} if kind == "manual" else {})

    # When: the real function, directly invoked.
    result = invoke(event)

    if booking["status"] in ("CANCELLED", "REJECTED"):
        event_label("not reassignable")
        assert result["statusCode"] == 400, result
        assert "cannot be reassigned" in result["error"]["message"]
        return unchanged(store, found, booking)
    if datetime.fromisoformat(booking["endTime"]) <= scenario.now:
        event_label("already ended")
        assert result["statusCode"] == 400, result
        assert (
            result["error"]["message"] == f"Booking with uid={uid} has already ended and cannot be reassigned"
        )
        return unchanged(store, found, booking)
    if kind == "auto":
        expected = expected_winner(before, uid, scenario.now)
        event_label(f"auto: {deciding_stage(selection_stages(before, uid, scenario.now))}")
        if expected is None:
            event_label("auto: nobody available")
            assert (result["statusCode"], result.get("error", {}).get("message")) == (400, NO_HOST), result
            return unchanged(store, found, booking)
        event_label("auto: reassigned")
        assert result["statusCode"] == 200, result
        assert result["data"]["reassignedTo"]["id"] == expected
        return written(store, scenario, expected_booking_after(before, uid, expected), uid)
    host = _host(before, target)
    holder = round_robin_holder(before, booking)
    if host is None or host.get("isFixed", False):
        event_label("manual: not a round-robin host")
        assert result["statusCode"] == 400, result
        return unchanged(store, found, booking)
    assert (result["statusCode"], result["data"]["reassignedTo"]["id"]) == (200, target), result
    if holder is not None and holder[0] == target:
        event_label("manual: already theirs")
        return unchanged(store, found, booking)
    event_label("manual: reassigned")
    return written(store, scenario, expected_booking_after(before, uid, target), uid)


def unchanged(store: Any, found: list[dict[str, Any]], booking: dict[str, Any]) -> list[dict[str, Any]]:
    """A refused or no-op request wrote nothing: the booking still reads as before (its version
    included), so the previous scan of the table still holds."""
    stored = store.booking(booking["uid"])
    previous = next(i for i in found if i["SK"] == "BOOKING" and i["uid"] == booking["uid"])
    assert stored == previous
    return found


def written(store: Any, scenario: Scenario, expected: dict[str, Any], uid: str) -> list[dict[str, Any]]:
    found = store.scan()
    assert _shape(_booking(current_dataset(found, scenario.dataset), uid)) == expected
    return found


@profile()
@given(scenario=scenarios())
def test_service_picks_the_reference_host_and_bookkeeping_never_drifts(
    scenario: Scenario, dynamo: Any, template: Any, store: Any, invoke: Any
) -> None:
    note(json.dumps({"now": scenario.now.isoformat(), "steps": scenario.steps, "dataset": scenario.dataset}))
    # Given: a fresh store holding the generated dataset (the fixtures are per test, not per example).
    dynamo.reset()
    ensure_tables(store.client, template)
    store.load(scenario.dataset)

    found = store.scan()
    assert derived_drift(found, scenario.dataset) == []

    with service_clock(scenario.now):
        for step in scenario.steps:
            found = check_step(invoke, store, scenario, found, step)
            # Then: whatever happened, the bookkeeping still equals a recomputation.
            assert derived_drift(found, scenario.dataset) == []
