"""The file's reference data as records, and what differs from what the loader wrote before.

Reference data — users, teams and their members, schedules, event types and their hosts, API keys,
access tokens, OAuth clients — comes only from the file, which is its whole truth: a record the file
no longer lists is removed. Each record is one item with a name unique in its kind; the loader's
registry (keys.registry_partition) holds one entry per record it wrote, with a digest of the item,
so a reload sees what to add, change and remove without reading the records themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from datetime import time as time_of_day

from reassign_core.domain import bookkeeping, people, permissions
from reassign_core.domain.models import (
    EventType,
    Host,
    ResetInterval,
    Schedule,
    SchedulingType,
    TimeRange,
    TimestampBasis,
    UserProfile,
)
from reassign_core.domain.timeutil import iso
from reassign_core.ingest import dataset as ds
from reassign_core.store import codec, keys, schedule_codec
from reassign_core.store.codec import Item
from reassign_core.store.loading import CREDENTIALS_TABLE, DATA_TABLE, ItemKey, key_of

# In the order they are written: what a record refers to exists before it.
KINDS = (
    "teams",
    "schedules",
    "users",
    "userEmails",
    "emailDirectory",  # derived: the same lookups in 16 items, read whole by the sync at start
    "memberships",
    "oauthClients",
    "apiKeys",
    "accessTokens",
    "eventTypes",
    "hosts",
    "reassignAccess",  # derived: who may reassign each event type's bookings (see permissions)
)
ROUND_ROBIN, FIXED = "round robin", "fixed"


@dataclass(frozen=True, slots=True)
class Record:
    kind: str
    name: str  # unique within the kind
    table: str  # DataTable or CredentialsTable
    item: Item
    # What a booking's participants depend on: a user's email, whether a host is round robin.
    identity: str = ""
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        text = json.dumps(self.item, sort_keys=True, separators=(",", ":"), default=str)
        object.__setattr__(self, "digest", hashlib.sha256(text.encode()).hexdigest()[:32])

    @property
    def key(self) -> ItemKey:
        return key_of(self.item)


@dataclass(frozen=True, slots=True)
class Removal:
    """A record the store holds and the file no longer lists."""

    kind: str
    name: str
    table: str
    key: ItemKey
    identity: str
    registered: bool  # False: a host item of an older key scheme, found in its event type's partition


def registry_item(record: Record) -> Item:
    return {
        **keys.registry_entry(record.kind, record.name),
        "table": record.table,
        "itemPK": record.key[0],
        "itemSK": record.key[1],
        "digest": record.digest,
        "identity": record.identity,
    }


def removal_from_registry(kind: str, entry: Item) -> Removal:
    return Removal(
        kind,
        entry["SK"],
        entry["table"],
        (entry["itemPK"], entry.get("itemSK", "")),
        entry.get("identity", ""),
        True,
    )


# --- from the file -----------------------------------------------------------------------------


def schedule_model(schedule: ds.Schedule) -> Schedule:
    """The file's weekly ranges (each for a set of days) as hours by weekday; empty override ranges
    (start = end) dropped, the date kept: an override with no hours left is a day off."""
    weekly: list[list[TimeRange]] = [[] for _ in range(7)]
    for entry in schedule.availability:
        for day in sorted(set(entry.days)):
            weekly[day].append(schedule_codec.time_range(entry.startTime, entry.endTime))
    overrides: dict[date, list[TimeRange]] = defaultdict(list)
    for override in schedule.dateOverrides:
        ranges = overrides[date.fromisoformat(override.date)]
        if override.startTime != override.endTime:
            ranges.append(schedule_codec.time_range(override.startTime, override.endTime))
    # Sorted, so equal hours are spelled alike in the store (and parsed once: see schedule_codec.parse_week).
    return Schedule(
        id=schedule.id,
        time_zone=schedule.timeZone,
        weekly=tuple(tuple(sorted(day, key=_range_order)) for day in weekly),
        overrides={day: tuple(sorted(ranges, key=_range_order)) for day, ranges in overrides.items()},
    )


def _range_order(hours: TimeRange) -> tuple[time_of_day, time_of_day]:
    return hours.start, hours.end or time_of_day.max


def profile(user: ds.User) -> UserProfile:
    return UserProfile(user.id, user.name, user.email, user.timeZone, user.defaultScheduleId)


def event_type_model(
    event_type: ds.EventType,
    profiles: Mapping[int, UserProfile],
    parents: Mapping[int, int | None],
    schedules: Mapping[int, Schedule],
) -> EventType:
    model = EventType(
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
        hosts=(),
    )
    hosts = tuple(
        Host(
            profiles[h.userId],
            h.isFixed,
            h.priority,
            h.weight,
            h.scheduleId,
            position,
            bookkeeping.schedule_copy(model, h.scheduleId, profiles[h.userId].default_schedule_id, schedules),
            h.createdAt,
        )
        for position, h in enumerate(event_type.hosts)
    )
    return replace(model, hosts=hosts)


def directory(data: ds.Dataset) -> people.UserDirectory:
    """Who is who according to the file: users by email, each event type's round-robin hosts."""
    return people.UserDirectory(
        {u.email: u.id for u in data.users},
        {e.id: frozenset(h.userId for h in e.hosts if not h.isFixed) for e in data.eventTypes},
    )


def _optional_iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def records(data: ds.Dataset) -> Iterator[Record]:
    profiles = {u.id: profile(u) for u in data.users}
    for user in data.users:
        item = codec.profile_item(profiles[user.id], user.username, user.role)
        yield Record("users", str(user.id), DATA_TABLE, item, identity=user.email.casefold())
        email = user.email.casefold()  # the sync's email -> user lookup
        yield Record("userEmails", email, DATA_TABLE, {**keys.user_email(email), "userId": user.id})
    yield from email_directory_records(data)
    parents = {t.id: t.parentId for t in data.teams}
    team_roles = {t.id: {m.userId: m.role for m in t.members} for t in data.teams}
    for team in data.teams:
        item = {**keys.team(team.id), "id": team.id, "name": team.name, "parentId": team.parentId}
        yield Record("teams", str(team.id), DATA_TABLE, item)
        for member in team.members:
            item = codec.membership_item(member.userId, team.id, member.role)
            yield Record("memberships", f"{team.id}#{member.userId}", DATA_TABLE, item)
    schedules = {s.id: schedule_model(s) for s in data.schedules}
    for schedule in data.schedules:
        yield Record(
            "schedules",
            str(schedule.id),
            DATA_TABLE,
            schedule_codec.schedule_item(schedules[schedule.id], schedule.userId),
        )
    for event_type in data.eventTypes:
        model = event_type_model(event_type, profiles, parents, schedules)
        meta, *host_items = codec.event_type_items(model)
        yield Record("eventTypes", str(event_type.id), DATA_TABLE, meta)
        for host, item in zip(model.hosts, host_items, strict=True):
            identity = FIXED if host.is_fixed else ROUND_ROBIN
            yield Record("hosts", f"{event_type.id}#{host.user_id}", DATA_TABLE, item, identity=identity)
        for user_id in sorted(permissions.reassigners(model, team_roles)):
            access = codec.reassign_access_item(user_id, event_type.id)
            yield Record("reassignAccess", f"{event_type.id}#{user_id}", DATA_TABLE, access)
    yield from credential_records(data)


def email_directory_records(data: ds.Dataset) -> Iterator[Record]:
    """The email lookups grouped into the directory's shards (only the shards that hold any)."""
    shards: dict[int, Item] = defaultdict(dict)
    for user in data.users:
        email = user.email.casefold()
        shards[keys.email_directory_shard(email)][keys.DIRECTORY_EMAIL_PREFIX + email] = user.id
    for shard, entries in sorted(shards.items()):
        item = {**keys.email_directory(shard), **dict(sorted(entries.items()))}
        yield Record("emailDirectory", str(shard), DATA_TABLE, item)


def credential_records(data: ds.Dataset) -> Iterator[Record]:
    """Only SHA-256 digests of keys and tokens are stored; the secrets stay in the file."""
    for api_key in data.apiKeys:
        digest = keys.credential_hash(api_key.key)
        item = {
            **keys.api_key(digest),
            "userId": api_key.userId,
            "expiresAt": _optional_iso(api_key.expiresAt),
            "revokedAt": _optional_iso(api_key.revokedAt),
        }
        yield Record("apiKeys", digest, CREDENTIALS_TABLE, item)
    for token in data.accessTokens:
        digest = keys.credential_hash(token.token)
        item = {
            **keys.access_token(digest),
            "userId": token.userId,
            "clientId": token.clientId,
            "expiresAt": _optional_iso(token.expiresAt),
            "revokedAt": _optional_iso(token.revokedAt),
        }
        yield Record("accessTokens", digest, CREDENTIALS_TABLE, item)
    for client in data.oauthClients:
        client_item: Item = {
            **keys.oauth_client(client.id),
            "name": client.name,
            "permissions": client.permissions,
        }
        yield Record("oauthClients", client.id, CREDENTIALS_TABLE, client_item)


# --- against what the store holds ----------------------------------------------------------------


@dataclass
class ReferenceDiff:
    added: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    changed: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    removed: dict[str, list[Removal]] = field(default_factory=lambda: defaultdict(list))

    def is_empty(self) -> bool:
        return (
            not any(self.added.values()) and not any(self.changed.values()) and not any(self.removed.values())
        )

    def recount_users(self, registered: Mapping[str, Mapping[str, Item]]) -> set[int]:
        """Users whose bookings may count differently now: a user removed or with a new email, a host
        becoming or ceasing to be round robin. Their calendars list the bookings to look at again."""
        found: set[int] = set()
        for record in self.changed["users"]:
            if registered["users"][record.name].get("identity") != record.identity:
                found.add(int(record.name))
        found |= {int(removal.name) for removal in self.removed["users"]}
        for record in self.added["hosts"]:
            if record.identity == ROUND_ROBIN:
                found.add(record.item["userId"])
        for record in self.changed["hosts"]:
            if registered["hosts"][record.name].get("identity") != record.identity:
                found.add(record.item["userId"])
        for removal in self.removed["hosts"]:
            if removal.identity != FIXED:  # unregistered items of the older key scheme included
                found.add(int(removal.name.split("#")[1]))
        return found


def reference_diff(
    wanted: Iterable[Record],
    registered: Mapping[str, Mapping[str, Item]],
    unregistered_hosts: Iterable[Removal] = (),
) -> ReferenceDiff:
    """`registered`: the registry's entries by kind and name."""
    diff = ReferenceDiff()
    seen: dict[str, set[str]] = defaultdict(set)
    for record in wanted:
        seen[record.kind].add(record.name)
        entry = registered.get(record.kind, {}).get(record.name)
        if entry is None:
            diff.added[record.kind].append(record)
        elif entry.get("digest") != record.digest:
            diff.changed[record.kind].append(record)
    for kind in KINDS:
        for name, entry in registered.get(kind, {}).items():
            if name not in seen[kind]:
                diff.removed[kind].append(removal_from_registry(kind, entry))
    diff.removed["hosts"].extend(unregistered_hosts)
    return diff
