"""The sync: a Cal.com event applied to the store in one transaction, through the one bookkeeping.

Reads come in one round trip in the common case: with the booking(s) and the attendees' email
entries, everything the organizer's part of the change touches is read on speculation (its calendar
days at the payload's time, its host item and stats), and the same for
each attendee whose email belongs to a user by the email directory the function read at start
(`UserHints`). The email entries read decide who is who: a hint only chooses what to read ahead, so
a stale one costs a read, never a wrong write. What the change only takes away from people not read
ahead (a replaced booking that belonged to someone else: Cal.com gave the new time to another host)
is written blind, on condition that it is there to take (bookkeeping.Edits.removals_only). Only
what the bookkeeping then asks for beyond that costs another read: a user added by a load since the
function started, or the timeline of a host whose stats cannot tell its latest booking left
(host_stats.needs_timeline), read after the stats. The transaction conditions every item read on
the version read (and every blind write on what it takes), so a concurrent reassignment or sync
makes it fail and the event is applied again, from fresh reads of everything.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from reassign_core.domain import bookkeeping, host_stats, people
from reassign_core.domain.bookkeeping import (
    NOTHING_UNREAD,
    BookingChange,
    Change,
    DerivedState,
    HostKey,
    OutOfOfficeChange,
    Reads,
)
from reassign_core.domain.errors import ConcurrentModification, WriteConflict
from reassign_core.domain.models import NEVER_BOOKED, Booking, BookingStatus, HostStats, Interval
from reassign_core.domain.timeutil import iso, parse_iso, utc_days
from reassign_core.ingest.bookings import LOADED_VERSION, AwayUnit
from reassign_core.store import codec, derived_codec, keys
from reassign_core.store.codec import WireItem, from_wire, to_wire
from reassign_core.store.derived import derived_actions, version_condition
from reassign_core.store.sync_store import TIMELINE_DEPTH, ItemKey, SyncStore
from reassign_core.sync.calcom import BookingState, SyncEvent

SYNCED_AT = "syncedAt"  # the webhook createdAt of the last event applied to a booking
FINAL = frozenset({BookingStatus.CANCELLED, BookingStatus.REJECTED})
MAX_ATTEMPTS = 4
MAX_USER_HINTS = 10_000  # emails learned per process beyond the directory: a few hundred kilobytes


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    applied: bool
    trigger: str
    uid: str | None


def _pair(key: Mapping[str, str]) -> ItemKey:
    return key["PK"], key["SK"]


class _Reads:
    """Everything read for one attempt, topped up only with what is still missing."""

    def __init__(self, store: SyncStore) -> None:
        self._store = store
        self.items: dict[ItemKey, WireItem] = {}
        self.asked: set[ItemKey] = set()
        self.timelines: dict[HostKey, list[WireItem]] = {}

    def fetch(self, wanted: Iterable[ItemKey], timelines: Iterable[HostKey] = ()) -> None:
        missing = [k for k in wanted if k not in self.asked]
        hosts = [h for h in timelines if h not in self.timelines]
        found, entries = self._store.read(missing, hosts)
        self.asked.update(missing)
        self.items.update(found)
        self.timelines.update(entries)

    def get(self, key: Mapping[str, str]) -> WireItem | None:
        return self.items.get(_pair(key))

    def has(self, key: Mapping[str, str]) -> bool:
        """Whether the item was read (it may not exist)."""
        return _pair(key) in self.asked


class _ReadDirectory(people.Directory):
    """Who is who, from the email entries and host items read."""

    def __init__(self, reads: _Reads) -> None:
        self._reads = reads

    def user_by_email(self, email: str) -> int | None:
        entry = self._reads.get(keys.user_email(email))
        return int(entry["userId"]["N"]) if entry else None

    def round_robin_hosts(self, event_type_id: int | None) -> Collection[int]:
        if event_type_id is None:
            return ()
        return {
            int(item["userId"]["N"])
            for (pk, sk), item in self._reads.items.items()
            if pk == keys.event_type_partition(event_type_id)
            and sk.startswith(keys.HOST_PREFIX)
            and not item["isFixed"]["BOOL"]
        }


class UserHints:
    """Emails (ignoring case) known to belong to a user, by user id: what to read ahead for an
    attendee. The loader's email directory, read at start, corrected by every email entry an event
    reads, so nearly every guess is right; a wrong one costs a read, never a wrong write."""

    def __init__(self, limit: int = MAX_USER_HINTS) -> None:
        self._limit = limit
        self._directory: Mapping[str, int] = {}
        # What events have shown since (None: not a user), over the directory; bounded apart from it.
        self._learned: dict[str, int | None] = {}
        self._lock = threading.Lock()  # the function may serve parallel requests (tests, make run)

    def preload(self, directory: Mapping[str, int]) -> None:
        """Start from the email directory (every user's email, as the last file load wrote it)."""
        with self._lock:
            self._directory = {email.casefold(): user_id for email, user_id in directory.items()}
            self._learned = {}

    def _user_of(self, email: str) -> int | None:
        key = email.casefold()
        return self._learned[key] if key in self._learned else self._directory.get(key)

    def guess(self, emails: Iterable[str]) -> set[int]:
        return {u for e in emails if (u := self._user_of(e)) is not None}

    def learn(self, email: str, user_id: int | None) -> None:
        key = email.casefold()
        with self._lock:
            if user_id == self._directory.get(key):
                self._learned.pop(key, None)  # as the directory says (a guest: in neither)
                return
            if len(self._learned) >= self._limit:
                self._learned.clear()  # simplest bound: the directory stays, later events re-learn
            self._learned[key] = user_id


class SyncService:
    def __init__(self, store: SyncStore, hints: UserHints | None = None) -> None:
        self._store = store
        self._hints = hints if hints is not None else UserHints()

    def ingest(self, event: SyncEvent, delivery: bytes) -> SyncOutcome:
        uid = event.booking.uid if event.booking else None
        if not event.handled:
            return SyncOutcome(False, event.trigger, uid)
        digest = hashlib.sha256(delivery).hexdigest()[:32]
        for attempt in range(MAX_ATTEMPTS):
            try:
                # Blind removals on the first attempt only: a condition they rest on may be what failed.
                applied = self._attempt(event, f"{digest}-{attempt}", blind=attempt == 0)
                return SyncOutcome(applied, event.trigger, uid)
            except WriteConflict:
                continue
        raise ConcurrentModification

    def _attempt(self, event: SyncEvent, token: str, blind: bool) -> bool:
        reads = _Reads(self._store)
        if event.out_of_office is not None:
            return self._out_of_office(event, reads, token)
        assert event.booking is not None
        return self._booking(event, event.booking, reads, token, blind)

    # --- bookings ------------------------------------------------------------------------------

    def _booking(self, event: SyncEvent, state: BookingState, reads: _Reads, token: str, blind: bool) -> bool:
        uids = [state.uid, *([event.replaces_uid] if event.replaces_uid else [])]
        organizer, et = state.organizer_id, state.event_type_id
        spans = [(state.start, state.end), *([event.replaced_span] if event.replaced_span else [])]
        ahead = [organizer, *sorted(self._hints.guess(a.email for a in state.attendees) - {organizer})]
        reads.fetch(
            [
                *(_pair(keys.booking(u)) for u in uids),
                *(_pair(keys.user_email(a.email)) for a in state.attendees),
                *map(_pair, _touched(ahead, et, spans)),
            ]
        )
        directory = _ReadDirectory(reads)
        for attendee in state.attendees:
            self._hints.learn(attendee.email, directory.user_by_email(attendee.email))
        named = people.participants(_booking_of(state, event.created_at, 1), directory).people
        others = sorted(named - set(ahead))  # attendees who are users not guessed: read theirs now
        reads.fetch(map(_pair, _touched(others, et, spans)))

        writes: list[tuple[Booking | None, Booking, dict[str, Any]]] = []
        stored = reads.get(keys.booking(state.uid))
        current = codec.booking_from_item(from_wire(stored)) if stored else None
        if not _is_newer(event, stored, current):
            return False
        after = _booking_of(state, current.created_at if current else event.created_at, 1)
        after = replace(after, version=current.version + 1 if current else 1)
        after = people.with_participants(after, directory)
        before = people.with_participants(current, directory) if current else None
        writes.append((before, after, state.responses))

        if event.replaces_uid:
            old_item = reads.get(keys.booking(event.replaces_uid))  # unknown: nothing to cancel
            if old_item is not None:
                old = codec.booking_from_item(from_wire(old_item))
                if _is_newer(event, old_item, old):
                    old_before = people.with_participants(old, directory)
                    old_after = replace(old_before, status=BookingStatus.CANCELLED, version=old.version + 1)
                    writes.append((old_before, old_after, from_wire(old_item).get("responses") or {}))

        changes: list[Change] = [BookingChange(b, a) for b, a, _ in writes]
        actions = [
            {
                "Put": {
                    "TableName": self._store.table,
                    "Item": codec_item(a, responses, event.created_at),
                    **version_condition(b.version if b else 0),
                }
            }
            for b, a, responses in writes
        ]
        self._store.commit([*actions, *self._derived(changes, reads, blind)], token)
        return True

    # --- out of office -------------------------------------------------------------------------

    def _out_of_office(self, event: SyncEvent, reads: _Reads, token: str) -> bool:
        entry = event.out_of_office
        assert entry is not None
        change = OutOfOfficeChange(entry.user_id, Interval(entry.start, entry.end), True)
        unit = AwayUnit(change)
        registered = keys.out_of_office(entry.user_id, entry.start, entry.end)
        days = [keys.calendar_day(entry.user_id, d) for d in utc_days(entry.start, entry.end)]
        reads.fetch([_pair(registered), *map(_pair, days)])
        if reads.get(registered) is not None:
            return False  # already there: a repeated delivery
        self._store.commit(
            [unit.action(self._store.table), *self._derived([change], reads, blind=False)], token
        )
        return True

    # --- the derived items, by the one bookkeeping ------------------------------------------------

    def _derived(self, changes: list[Change], reads: _Reads, blind: bool) -> list[dict[str, Any]]:
        """The derived items' actions. `blind`: what the changes only take away is left unread
        unless it was read ahead (then it is written exactly)."""
        edits = bookkeeping.edits_for(changes)
        needed = edits.reads()
        blindable = edits.removals_only() if blind else NOTHING_UNREAD
        unread = Reads(
            calendar_days=frozenset(
                d for d in blindable.calendar_days if not reads.has(keys.calendar_day(*d))
            ),
            stats=frozenset(h for h in blindable.stats if not reads.has(keys.host_stats(*h))),
            timelines=frozenset(),
        )
        days = needed.calendar_days - unread.calendar_days
        hosts = needed.stats - unread.stats
        reads.fetch(
            [
                *(_pair(keys.calendar_day(u, d)) for u, d in days),
                *(_pair(keys.host_stats(et, u)) for et, u in hosts),
            ]
        )
        stats = {host: _stats(reads.get(keys.host_stats(*host))) for host in hosts}
        # Rarely (all the stats keep is leaving): the timeline, read after the stats it must agree with.
        timelines = [h for h in hosts if host_stats.needs_timeline(stats[h], edits.lost(h))]
        reads.fetch((), timelines)
        state = DerivedState(
            calendars={
                (u, d): derived_codec.calendar_day_from_wire(u, d, reads.get(keys.calendar_day(u, d)))
                for u, d in days
            },
            stats=stats,
            remaining={
                h: derived_codec.timeline_top(reads.timelines[h], TIMELINE_DEPTH, edits.touched_uids(h))
                for h in timelines
            },
            unread=unread,
        )
        return derived_actions(self._store.table, bookkeeping.derived_writes(edits, state))


def _touched(
    users: Iterable[int], event_type_id: int | None, spans: Iterable[tuple[datetime, datetime]]
) -> list[dict[str, str]]:
    """What a booking change may touch of some people: their calendar days over the booking's
    spans and, for its event type, their host items (whether it counts them) and stats."""
    users, spans = list(users), list(spans)
    found = [keys.calendar_day(u, d) for u in users for start, end in spans for d in utc_days(start, end)]
    if event_type_id is not None:
        found += [
            k
            for u in users
            for k in (keys.event_type_host(event_type_id, u), keys.host_stats(event_type_id, u))
        ]
    return found


def _stats(item: WireItem | None) -> HostStats:
    return codec.host_stats_from_wire(item) if item else NEVER_BOOKED


def _booking_of(state: BookingState, created_at: datetime, version: int) -> Booking:
    name = state.responses.get("name")
    return Booking(
        uid=state.uid,
        event_type_id=state.event_type_id,
        organizer_id=state.organizer_id,
        title=state.title,
        start=state.start,
        end=state.end,
        status=state.status,
        created_at=created_at,
        attendees=state.attendees,
        responses_name=name if isinstance(name, str) and name else None,
        version=version,
    )


def _is_newer(event: SyncEvent, stored: WireItem | None, current: Booking | None) -> bool:
    """Whether the event may change the stored booking: not older than (nor the same as) the last
    event applied to it, and never reviving a cancelled or rejected booking."""
    if stored is None or current is None:
        return True
    synced = stored.get(SYNCED_AT)
    if synced is not None and parse_iso(synced["S"]) >= event.created_at:
        return False
    return current.status not in FINAL  # a cancelled or rejected booking stays so


def codec_item(booking: Booking, responses: Mapping[str, Any], synced_at: datetime) -> WireItem:
    """The booking as stored by the sync: not the loader's copy any more (see ingest/bookings.py)."""
    item = codec.booking_item(booking, responses) | {SYNCED_AT: iso(synced_at), LOADED_VERSION: 0}
    return to_wire(item)
