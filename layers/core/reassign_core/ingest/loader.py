"""Load a dataset file into the service's tables: validated whole first, then batch-written.

Writes the records themselves and everything the selection reads instead of booking history:
per-host-per-day calendars, last-booked stats, booking timelines and interval counters. Items are
deterministic, so loading the same file twice changes nothing.

    python -m reassign_core.ingest.loader data.json [--endpoint-url URL] [--table DataTable=name ...]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

from reassign_core.domain import selection
from reassign_core.domain.models import (
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    EventType,
    Host,
    HostStats,
    Interval,
    ResetInterval,
    Schedule,
    SchedulingType,
    TimeRange,
    TimestampBasis,
    UserProfile,
)
from reassign_core.domain.timeutil import iso, utc_days
from reassign_core.ingest import dataset as ds
from reassign_core.store import codec, keys
from reassign_core.store.codec import Item, to_wire

BATCH_WRITE_LIMIT = 25
MAX_BATCH_ATTEMPTS = 8
PARALLEL_WRITERS = 8


def _profile(user: ds.User) -> UserProfile:
    return UserProfile(user.id, user.name, user.email, user.timeZone, user.defaultScheduleId)


def schedule_model(schedule: ds.Schedule) -> Schedule:
    """The file's weekly ranges (each for a set of days) as hours by weekday; empty override ranges
    (start = end) dropped, the date kept: an override with no hours left is a day off."""
    weekly: list[list[TimeRange]] = [[] for _ in range(7)]
    for entry in schedule.availability:
        for day in sorted(set(entry.days)):
            weekly[day].append(codec.time_range(entry.startTime, entry.endTime))
    overrides: dict[date, list[TimeRange]] = defaultdict(list)
    for override in schedule.dateOverrides:
        ranges = overrides[date.fromisoformat(override.date)]
        if override.startTime != override.endTime:
            ranges.append(codec.time_range(override.startTime, override.endTime))
    # Sorted, so equal hours are spelled alike in the store (and parsed once: see codec.parse_week).
    return Schedule(
        id=schedule.id,
        time_zone=schedule.timeZone,
        weekly=tuple(tuple(sorted(day, key=_range_order)) for day in weekly),
        overrides={day: tuple(sorted(ranges, key=_range_order)) for day, ranges in overrides.items()},
    )


def _range_order(hours: TimeRange) -> tuple[time_of_day, time_of_day]:
    return hours.start, hours.end or time_of_day.max


def _booking(booking: ds.Booking) -> Booking:
    return codec.booking_from_item(booking.model_dump(mode="json") | {"version": 1})


def _event_type(
    event_type: ds.EventType,
    profiles: Mapping[int, UserProfile],
    parents: Mapping[int, int | None],
    schedules: Mapping[int, Schedule],
) -> EventType:
    def own_schedule(host: ds.Host) -> Schedule | None:
        """The copy a host item carries; none when the event type's own schedule applies."""
        schedule_id = host.scheduleId or profiles[host.userId].default_schedule_id
        if event_type.scheduleId is not None or schedule_id is None:
            return None
        return schedules[schedule_id]

    return EventType(
        id=event_type.id,
        title=event_type.title,
        team_id=event_type.teamId,
        organization_id=parents.get(event_type.teamId) if event_type.teamId is not None else None,
        owner_id=event_type.ownerId,
        scheduling_type=SchedulingType(event_type.schedulingType) if event_type.schedulingType else None,
        schedule_id=event_type.scheduleId,
        event_name=event_type.eventName,
        before_buffer_minutes=event_type.beforeEventBuffer,
        after_buffer_minutes=event_type.afterEventBuffer,
        weights_enabled=event_type.isRRWeightsEnabled,
        reset_interval=ResetInterval(event_type.rrResetInterval),
        timestamp_basis=TimestampBasis(event_type.rrTimestampBasis),
        hosts=tuple(
            Host(profiles[h.userId], h.isFixed, h.priority, h.weight, h.scheduleId, position, own_schedule(h))
            for position, h in enumerate(event_type.hosts)
        ),
    )


def derived_items(data: ds.Dataset) -> Iterator[Item]:
    """Calendars, stats, timelines and counters, computed from the whole dataset."""
    by_email = {u.email.casefold(): u.id for u in data.users}
    busy: dict[tuple[int, date], dict[str, BusyEntry]] = defaultdict(dict)
    away: dict[tuple[int, date], list[Interval]] = defaultdict(list)
    bookings = [_booking(b) for b in data.bookings]  # instants in UTC (the dataset normalises them)
    for booking in bookings:
        if booking.status not in (BookingStatus.ACCEPTED, BookingStatus.PENDING):
            continue
        holders = {booking.organizer_id} | {
            by_email[e] for a in booking.attendees if (e := a.email.casefold()) in by_email
        }
        for user_id in holders:
            for day in utc_days(booking.start, booking.end):
                busy[(user_id, day)][booking.uid] = BusyEntry(booking.start, booking.end, booking.status)
    for ooo in data.outOfOffice:
        for day in utc_days(ooo.start, ooo.end):
            away[(ooo.userId, day)].append(Interval(ooo.start, ooo.end))
    for user_id, day in sorted(busy.keys() | away.keys()):
        yield codec.calendar_day_item(
            CalendarDay(user_id, day, 1, busy.get((user_id, day), {}), tuple(away.get((user_id, day), [])))
        )

    emails = {u.id: u.email.casefold() for u in data.users}
    accepted_by_type: dict[int | None, list[Booking]] = defaultdict(list)
    for booking in bookings:
        if booking.status is BookingStatus.ACCEPTED:
            accepted_by_type[booking.event_type_id].append(booking)
    for event_type in data.eventTypes:
        # A booking counts for each round-robin host who is its organizer or one of its attendees.
        round_robin = {emails[h.userId]: h.userId for h in event_type.hosts if not h.isFixed}
        booked: dict[int, list[Booking]] = {user_id: [] for user_id in round_robin.values()}
        for b in accepted_by_type[event_type.id]:
            involved = {round_robin[e] for a in b.attendees if (e := a.email.casefold()) in round_robin}
            if emails.get(b.organizer_id) in round_robin:
                involved.add(b.organizer_id)
            for user_id in involved:
                booked[user_id].append(b)
        counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for user_id, mine in booked.items():
            last = max((b.created_at for b in mine), default=None)
            yield codec.host_stats_item(event_type.id, user_id, HostStats(last, 1))
            for b in mine:
                yield codec.timeline_item(event_type.id, user_id, b.created_at, b.uid)
                for interval in selection.all_interval_ids(b.created_at, b.start):
                    counts[interval][user_id] += 1
        for interval, per_host in sorted(counts.items()):
            yield codec.interval_counts_item(event_type.id, interval, per_host)


def data_items(data: ds.Dataset) -> Iterator[Item]:
    profiles = {u.id: _profile(u) for u in data.users}
    for user in data.users:
        yield codec.profile_item(profiles[user.id], user.username, user.role)
    parents = {t.id: t.parentId for t in data.teams}
    for team in data.teams:
        yield {**keys.team(team.id), "id": team.id, "name": team.name, "parentId": team.parentId}
        for member in team.members:
            yield codec.membership_item(member.userId, team.id, member.role)
    schedules = {s.id: schedule_model(s) for s in data.schedules}
    for schedule in data.schedules:
        yield codec.schedule_item(schedules[schedule.id], schedule.userId)
    for event_type in data.eventTypes:
        yield from codec.event_type_items(_event_type(event_type, profiles, parents, schedules))
    for booking in data.bookings:
        yield codec.booking_item(_booking(booking), booking.responses)
    yield from derived_items(data)


def _optional_iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def credential_items(data: ds.Dataset) -> Iterator[Item]:
    """Only SHA-256 digests of keys and tokens are stored; the secrets stay in the file."""
    for api_key in data.apiKeys:
        yield {
            **keys.api_key(keys.credential_hash(api_key.key)),
            "userId": api_key.userId,
            "expiresAt": _optional_iso(api_key.expiresAt),
            "revokedAt": _optional_iso(api_key.revokedAt),
        }
    for token in data.accessTokens:
        yield {
            **keys.access_token(keys.credential_hash(token.token)),
            "userId": token.userId,
            "clientId": token.clientId,
            "expiresAt": _optional_iso(token.expiresAt),
            "revokedAt": _optional_iso(token.revokedAt),
        }
    for client in data.oauthClients:
        yield {**keys.oauth_client(client.id), "name": client.name, "permissions": client.permissions}


def _batches(values: Iterable[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_batch(client: Any, table: str, batch: list[Item]) -> int:
    pending = [{"PutRequest": {"Item": to_wire(item)}} for item in batch]
    for attempt in range(MAX_BATCH_ATTEMPTS):
        response = client.batch_write_item(RequestItems={table: pending})
        pending = response.get("UnprocessedItems", {}).get(table, [])
        if not pending:
            return len(batch)
        time.sleep(random.uniform(0, 0.05 * 2**attempt))  # throttled: back off before the rest
    raise RuntimeError(f"{table}: {len(pending)} items still unprocessed after {MAX_BATCH_ATTEMPTS} attempts")


def write_items(client: Any, table: str, values: Iterable[Item], progress: Any = None) -> int:
    written = 0
    with ThreadPoolExecutor(PARALLEL_WRITERS) as pool:
        for count in pool.map(lambda b: _write_batch(client, table, b), _batches(values, BATCH_WRITE_LIMIT)):
            written += count
            if progress is not None and written % 1000 < BATCH_WRITE_LIMIT:
                print(f"  {table}: {written} items", file=progress, flush=True)
    return written


def load_dataset(
    data: ds.Dataset, table_names: Mapping[str, str], client: Any, progress: Any = None
) -> dict[str, int]:
    # Every item is built before the first write: a problem found while building writes nothing.
    return {
        "DataTable": write_items(client, table_names["DataTable"], list(data_items(data)), progress),
        "CredentialsTable": write_items(
            client, table_names["CredentialsTable"], credential_items(data), progress
        ),
    }


def read_dataset(path: Path) -> ds.Dataset:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ds.DatasetError([ds.Problem(path="$", reason=f"not valid JSON: {error}")]) from error
    return ds.parse_dataset(raw)


def load_file(
    path: Path, table_names: Mapping[str, str], client: Any, progress: Any = None
) -> dict[str, int]:
    return load_dataset(read_dataset(path), table_names, client, progress)


def main(argv: list[str] | None = None) -> int:
    import boto3

    from local import cfn

    parser = argparse.ArgumentParser(description="Load a dataset file (docs/dataset.md) into the tables.")
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--endpoint-url", help="a local DynamoDB; missing tables are created from template.yaml"
    )
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="LOGICAL_ID=NAME",
        help="real table name of a template table, e.g. DataTable=booking-reassign-dev-DataTable-XYZ",
    )
    args = parser.parse_args(argv)
    try:
        data = read_dataset(args.file)
    except ds.DatasetError as error:
        print(f"{args.file}: {len(error.problems)} problem(s); nothing was written:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem.path}: {problem.reason}", file=sys.stderr)
        return 1
    table_names = {"DataTable": "DataTable", "CredentialsTable": "CredentialsTable"}
    table_names |= dict(entry.split("=", 1) for entry in args.table)
    client = boto3.client("dynamodb", endpoint_url=args.endpoint_url)
    if args.endpoint_url:
        cfn.ensure_tables(client, cfn.load_template(args.template))
    written = load_dataset(data, table_names, client, progress=sys.stderr)
    print(json.dumps({"loaded": str(args.file), "items": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
