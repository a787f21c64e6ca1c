"""The candidates route and the auto reassignment take one decision: on random datasets, rank 1 of
the candidates is whom the auto reassignment then picks from the same state (or both say nobody),
the available candidates are the reference model's, in the order repeated choices would take them,
with the reference model's calibration, and asking for the candidates writes nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event as event_label
from hypothesis import given, note

from local.cfn import ensure_tables
from reassign_core import runtime
from reassign_core.domain.errors import BookingEnded, BookingNotReassignable
from reassign_core.services.preview import PreviewService
from tests.property.profiles import profile
from tests.property.store_state import current_dataset, service_clock
from tests.property.strategies import OWNER, Scenario, scenarios
from tests.reference_model import calibration, expected_ranking, selection_stages


@profile(scale=0.5)
@given(scenario=scenarios())
def test_rank_one_is_whom_the_auto_reassignment_picks(
    scenario: Scenario, dynamo: Any, template: Any, store: Any, invoke: Any
) -> None:
    note(json.dumps({"now": scenario.now.isoformat(), "steps": scenario.steps, "dataset": scenario.dataset}))
    dynamo.reset()
    ensure_tables(store.client, template)
    store.load(scenario.dataset)
    invoke({"bookingUid": "warm-up", "actorUserId": OWNER})  # makes the cached repository
    preview = PreviewService(runtime.reassign_repository(), clock=lambda: scenario.now)

    with service_clock(scenario.now):
        for _, uid, _ in scenario.steps:
            found = store.scan()
            try:
                candidates = preview.candidates(uid, OWNER).candidates
            except (BookingNotReassignable, BookingEnded):  # the reassignment refuses these too
                event_label("not reassignable")
                continue
            assert store.scan() == found  # the preview wrote nothing

            result = invoke({"bookingUid": uid, "actorUserId": OWNER})

            ranked = [c.host.user_id for c in candidates if c.rank is not None]
            assert [c.rank for c in candidates if c.rank is not None] == list(range(1, len(ranked) + 1))
            before = current_dataset(found, scenario.dataset)
            stages = selection_stages(before, uid, scenario.now)
            assert {c.host.user_id for c in candidates} == set(stages["candidates"])
            assert ranked == expected_ranking(before, uid, scenario.now)
            shown = {c.host.user_id: c.calibration for c in candidates if c.calibration is not None}
            if shown:  # weights on: each candidate's calibration is the reference model's
                booking = next(b for b in before["bookings"] if b["uid"] == uid)
                event_type = next(e for e in before["eventTypes"] if e["id"] == booking["eventTypeId"])
                credit = calibration(before, event_type, booking, scenario.now)
                assert shown == {user_id: credit[user_id] for user_id in shown}
                if any(shown.values()):
                    event_label("calibrated")
            if not ranked:
                event_label("nobody available")
                assert result["statusCode"] == 400, result
                continue
            event_label(f"{len(ranked)} ranked")
            assert result["statusCode"] == 200, result
            assert result["data"]["reassignedTo"]["id"] == ranked[0]
