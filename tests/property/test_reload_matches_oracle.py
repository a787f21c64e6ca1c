"""Reloads over a live store, through the real loader and service, never lose the service's writes
nor let derived items drift.

Each example loads a generated dataset, then in a random order reassigns bookings (the service) and
reloads edited versions of the file (the edits of test_bookkeeping_matches_oracle: bookings made,
moved, cancelled, handed over; out-of-office entries; emails; hosts). After every step:
- a booking the service reassigned keeps its organizer and attendees across reloads, while every
  other booking reads as the file says;
- the derived items equal the oracle's for the file's reference data and the bookings as stored.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from local.cfn import ensure_tables
from tests.property.profiles import profile
from tests.property.store_state import derived_drift, service_clock
from tests.property.strategies import OWNER, ROUND_ROBIN_TYPE, Scenario, scenarios
from tests.property.test_bookkeeping_matches_oracle import edit


def _people(booking: dict[str, Any]) -> tuple[Any, Any]:
    return booking["userId"], booking["attendees"]


@profile(scale=0.2)
@given(scenario=scenarios(), data=st.data())
def test_reloads_keep_the_services_writes_and_the_bookkeeping_exact(
    scenario: Scenario, data: st.DataObject, dynamo: Any, template: Any, store: Any, invoke: Any
) -> None:
    dynamo.reset()
    ensure_tables(store.client, template)
    dataset = copy.deepcopy(scenario.dataset)
    store.load(dataset)
    reassigned: dict[str, tuple[Any, Any]] = {}  # uid → organizer and attendees the service left

    with service_clock(scenario.now):
        for _ in range(data.draw(st.integers(1, 5), label="steps")):
            reassignable = [b["uid"] for b in dataset["bookings"] if b["eventTypeId"] == ROUND_ROBIN_TYPE]
            if reassignable and data.draw(st.booleans()):
                uid = data.draw(st.sampled_from(reassignable))
                note(f"reassign {uid}")
                if invoke({"bookingUid": uid, "actorUserId": OWNER})["statusCode"] == 200:
                    reassigned[uid] = _people(store.booking(uid))
            else:
                for _ in range(data.draw(st.integers(1, 3))):
                    note(data.draw(edit(dataset, scenario.now)))
                note("reload")
                store.load(dataset)

            found = store.scan()
            stored = {i["uid"]: i for i in found if i["SK"] == "BOOKING"}
            for uid, people in reassigned.items():
                assert _people(stored[uid]) == people
            for booking in dataset["bookings"]:
                if booking["uid"] not in reassigned:
                    assert stored[booking["uid"]]["status"] == booking.get("status", "ACCEPTED")
                    assert stored[booking["uid"]]["userId"] == booking["userId"]
            assert derived_drift(found, dataset) == []
