"""A round-robin host's last-booked stats: the newest entries of its timeline they keep
(models.HostStats.top), so that a booking leaving the timeline can be taken out of them, often
without reading the timeline (bookkeeping.derived_writes; the sync's blind removals).

The stats keep a top of the timeline: every entry newer than the oldest kept is kept, and `whole`
says they are all of it; they are empty only when the timeline is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from reassign_core.domain.models import (
    EMPTY_TIMELINE,
    HostStats,
    TimelineTop,
    position_time,
)
from reassign_core.domain.timeutil import iso

TOP_KEPT = 3  # timeline entries a host's stats keep: a few removals before the timeline is needed


def timeline_depth(touched: int) -> int:
    """How many of a timeline's newest entries to read so that, past the `touched` bookings a
    change takes or moves, as many are left as the stats keep."""
    return TOP_KEPT + touched


def needs_timeline(stats: HostStats, lost: Collection[str]) -> bool:
    """Whether a host's stats cannot tell the latest entry left once `lost` leaves its timeline: all
    they keep is leaving and they are not the whole timeline, or an earlier version wrote them."""
    if not lost:
        return False
    top = _known_top(stats)
    return top is None or not (top.whole or any(p not in lost for p in top.positions))


def _known_top(stats: HostStats) -> TimelineTop | None:
    if stats.top is None and stats.last_booked_at is None:
        return EMPTY_TIMELINE  # never booked
    return stats.top


def _top_after(base: TimelineTop, gained: Iterable[str]) -> TimelineTop:
    """The newest entries once some are gained. One older than the last listed is left out unless
    the base is the whole timeline: entries it does not list may come before it."""
    assert base.whole or base.positions, "a top lists the newest entries unless the timeline is empty"
    floor = None if base.whole else base.positions[-1]
    merged = sorted({*base.positions, *(p for p in gained if floor is None or p > floor)}, reverse=True)
    return TimelineTop(tuple(merged[:TOP_KEPT]), whole=base.whole and len(merged) <= TOP_KEPT)


def stats_after(
    current: HostStats, lost: set[str], gained: list[str], remaining: TimelineTop | None
) -> HostStats:
    """A host's stats after its timeline lost and gained entries: from what the stats kept, less
    what is lost (a top of the timeline less some entries is a top of what is left), or, when that
    cannot tell (`needs_timeline`), from the newest entries left as read."""
    top = _known_top(current)
    if needs_timeline(current, lost):
        assert remaining is not None, f"{lost} leave all the stats know: the timeline must be read"
        top = remaining
    elif top is not None and lost:
        top = TimelineTop(tuple(p for p in top.positions if p not in lost), top.whole)
    if top is not None:
        return HostStats.keeping(_top_after(top, gained), current.version)
    # Kept by an earlier version (the last-booked time only): a top starts with what is newer.
    assert current.last_booked_at is not None
    last = iso(current.last_booked_at)
    newer = sorted((p for p in gained if position_time(p) > last), reverse=True)
    if not newer:
        return current
    return HostStats.keeping(TimelineTop(tuple(newer[:TOP_KEPT]), whole=False), current.version)
