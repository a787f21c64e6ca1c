"""The service's interval arithmetic on schedules agrees with the minute-by-minute reference.

Pure and fast (no store), so it runs more examples than the end-to-end property: random
schedules in several zones, weekly ranges, `24:00` ends, date overrides (off-all-day included),
and bookings up to a day long, clustered on daylight-saving switch days.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from reassign_core.domain import availability
from reassign_core.ingest import dataset as ds
from reassign_core.ingest.records import schedule_model
from reassign_core.store import codec, schedule_codec
from tests.property.profiles import profile
from tests.property.strategies import ANCHOR_DAYS, schedule
from tests.reference_model import schedule_covers


@st.composite
def schedule_and_booking(draw: st.DrawFn) -> tuple[dict[str, Any], datetime, datetime]:
    anchor = draw(st.sampled_from(ANCHOR_DAYS))
    raw = draw(schedule(1, 1, anchor))
    start = datetime.combine(anchor, time(0), UTC) + timedelta(minutes=15 * draw(st.integers(-48, 144)))
    minutes = draw(st.sampled_from([15, 30, 60, 90, 180, 60 * 8, 60 * 24, 60 * 26]))
    return raw, start, start + timedelta(minutes=minutes)


@profile(scale=4)
@given(case=schedule_and_booking())
def test_within_schedule_agrees_with_minute_by_minute_reference(
    case: tuple[dict[str, Any], datetime, datetime],
) -> None:
    raw, start, end = case
    # The schedule as the service reads it: loaded from the file, stored as an item, read back.
    stored = schedule_codec.schedule_item(schedule_model(ds.Schedule.model_validate(raw)), 1)
    model = schedule_codec.schedule_from_wire(codec.to_wire(stored))

    expected = schedule_covers(raw, start, end)
    event(f"available: {expected}")
    assert availability.within_schedule(model, start, end) is expected
