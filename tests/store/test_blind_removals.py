"""The blind writes' conditions, as the store evaluates them (store/derived.py): what a removal
written without reading takes must be there, and a host's stats must still tell the latest booking
left afterwards. A failed condition cancels the transaction (the sync then applies the event again,
reading everything)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reassign_core.domain.bookkeeping import CalendarRemoval, DerivedWrites
from reassign_core.domain.models import BookingStatus, BusyEntry, CalendarDay, HostStats, TimelineTop
from reassign_core.domain.timeutil import parse_iso
from reassign_core.store import codec, derived_codec, keys
from reassign_core.store.codec import to_wire
from reassign_core.store.derived import derived_actions

OLD, MID, NEW = (f"2026-11-2{d}T08:00:00.000Z#b-{d}" for d in (1, 2, 3))
DAY = date(2050, 1, 7)


def _blind(
    calendar_removals: tuple[CalendarRemoval, ...] = (), stats_removals: dict[Any, Any] | None = None
) -> DerivedWrites:
    return DerivedWrites((), {}, {}, (), (), {}, {}, calendar_removals, stats_removals or {})


def _commit(store: Any, writes: DerivedWrites) -> bool:
    try:
        store.client.transact_write_items(TransactItems=derived_actions(store.tables["DataTable"], writes))
    except ClientError as error:
        assert error.response["Error"]["Code"] == "TransactionCanceledException"
        return False
    return True


def _put_stats(store: Any, stats: HostStats) -> None:
    item = to_wire(codec.host_stats_item(100, 2, stats))
    store.client.put_item(TableName=store.tables["DataTable"], Item=item)


def _stats(store: Any) -> HostStats:
    return codec.host_stats_from_wire(to_wire(store.item(keys.host_stats(100, 2))))


@pytest.mark.parametrize(
    ("kept", "whole", "lost", "applied", "left"),
    [
        ((NEW, MID), False, (NEW,), True, (MID,)),  # more kept than lost: the latest left is known
        ((NEW,), True, (NEW,), True, ()),  # the whole timeline: none left is known too
        ((NEW, MID), False, (OLD,), True, (NEW, MID)),  # older than all kept: nothing kept changes
        ((NEW,), False, (NEW,), False, None),  # all kept leaves, and older entries may remain
        ((NEW, MID), False, (NEW, MID), False, None),
    ],
    ids=["more-kept", "whole", "none-kept", "last-kept", "all-kept"],
)
def test_stats_lose_positions_only_while_they_still_tell_the_latest_left(
    store: Any, kept: tuple[str, ...], whole: bool, lost: tuple[str, ...], applied: bool, left: Any
) -> None:
    _put_stats(store, HostStats.keeping(TimelineTop(kept, whole), 4))

    assert _commit(store, _blind(stats_removals={(100, 2): lost})) is applied

    after = _stats(store)
    if applied:
        assert after == HostStats.keeping(TimelineTop(left, whole), 5)  # the version moves on
    else:
        assert after == HostStats.keeping(TimelineTop(kept, whole), 4)  # untouched


def test_stats_an_earlier_version_wrote_never_meet_the_condition(store: Any) -> None:
    _put_stats(store, HostStats(parse_iso("2026-11-23T08:00:00.000Z"), 4))

    assert not _commit(store, _blind(stats_removals={(100, 2): (NEW,)}))


def test_a_booking_is_taken_off_a_day_only_if_the_day_holds_it(store: Any) -> None:
    entry = BusyEntry(
        parse_iso("2050-01-07T09:00:00Z"), parse_iso("2050-01-07T10:00:00Z"), BookingStatus.ACCEPTED
    )
    day = CalendarDay(2, DAY, 3, {"b-1": entry, "b-2": entry}, ())
    item = to_wire(derived_codec.calendar_day_item(day))
    store.client.put_item(TableName=store.tables["DataTable"], Item=item)

    assert not _commit(store, _blind((CalendarRemoval(2, DAY, ("b-1", "b-9")),)))
    assert not _commit(store, _blind((CalendarRemoval(3, DAY, ("b-1",)),)))  # no such day
    assert _commit(store, _blind((CalendarRemoval(2, DAY, ("b-1",)),)))

    stored = derived_codec.calendar_day_from_wire(2, DAY, to_wire(store.item(keys.calendar_day(2, DAY))))
    assert stored == CalendarDay(2, DAY, 4, {"b-2": entry}, ())
