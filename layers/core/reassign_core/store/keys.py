"""The key scheme of the data table: every partition and sort key the service and loader use.

One place so the repository, the loader and the tests can never disagree on where an item lives.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from reassign_core.domain.models import timeline_position
from reassign_core.domain.timeutil import iso

Key = dict[str, str]


def _key(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


def booking(uid: str) -> Key:
    return _key(f"BOOKING#{uid}", "BOOKING")


AUDIT_PREFIX = "AUDIT#"


def audit(uid: str, at: datetime, event_id: str) -> Key:
    # The time leads the sort key: a Query in reverse order lists the newest first.
    return _key(f"BOOKING#{uid}", f"{AUDIT_PREFIX}{iso(at)}#{event_id}")


def user_partition(user_id: int) -> str:
    return f"USER#{user_id}"


def user_profile(user_id: int) -> Key:
    return _key(user_partition(user_id), "PROFILE")


def user_email(email: str) -> Key:
    """Who has this email (ignoring case): the loader keeps it, so the sync finds a booking's
    attendees among the users in the same read as the booking itself."""
    return _key(f"EMAIL#{email.casefold()}", "USER")


EMAIL_DIRECTORY_SHARDS = 16  # about 8,000 emails per shard before DynamoDB's 400 KB item limit
DIRECTORY_EMAIL_PREFIX = "e#"


def email_directory(shard: int) -> Key:
    """One shard of the email directory: every user's email (ignoring case) -> user id, as attributes
    `e#<email>`. The sync reads all shards once per execution environment, so it knows from the
    first event which attendees are users and reads their items with the booking (docs/sync.md)."""
    return _key("DIRECTORY", f"EMAILS#{shard:02d}")


def email_directory_shard(email: str) -> int:
    return stable_shard(email.casefold(), EMAIL_DIRECTORY_SHARDS)


def stable_shard(text: str, shards: int) -> int:
    """A stable hash of `text` into 0..shards-1: every writer and reader picks the same shard."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") % shards


MEMBER_PREFIX = "MEMBER#"


def membership(user_id: int, team_id: int) -> Key:
    """Stored under the user, so one Query returns a caller's profile and every team role."""
    return _key(user_partition(user_id), f"{MEMBER_PREFIX}{team_id:012d}")


REASSIGNS_PREFIX = "REASSIGNS#"


def reassign_access(user_id: int, event_type_id: int) -> Key:
    """The user may reassign the event type's bookings as its owner, a host, or an ADMIN/OWNER of its
    team or organization (the loader derives it). Under the user, so the first read (the caller's
    partition, with the booking) already tells whether reading the event type is worth it."""
    return _key(user_partition(user_id), f"{REASSIGNS_PREFIX}{event_type_id:012d}")


def team(team_id: int) -> Key:
    return _key(f"TEAM#{team_id}", "TEAM")


def schedule(schedule_id: int) -> Key:
    return _key(f"SCHEDULE#{schedule_id}", "SCHEDULE")


def event_type_partition(event_type_id: int) -> str:
    return f"EVENTTYPE#{event_type_id}"


def event_type(event_type_id: int) -> Key:
    return _key(event_type_partition(event_type_id), "META")


HOST_PREFIX = "HOST#"


def event_type_host(event_type_id: int, user_id: int) -> Key:
    """A host by user: a host list that shrinks or reorders rewrites exactly its own hosts. The
    item keeps the host's position, the selection's tie-break order."""
    return _key(event_type_partition(event_type_id), f"{HOST_PREFIX}{user_id}")


def calendar_partition(user_id: int) -> str:
    return f"CAL#{user_id}"


def calendar_day(user_id: int, day: date) -> Key:
    """A host's busy and out-of-office intervals touching one UTC day, with a version. (Spelled
    out, not through calendar_partition: a 1000-host choice builds a thousand of these.)"""
    return _key(f"CAL#{user_id}", f"DAY#{day.isoformat()}")


def host_timeline_partition(event_type_id: int, user_id: int) -> str:
    return f"ETHOST#{event_type_id}#{user_id}"


STATS_PREFIX = "STATS#"


def host_stats(event_type_id: int, user_id: int) -> Key:
    """A round-robin host's stats (its newest bookings, the last-booked time), in the event type's
    partition: the Query that reads
    the event type and its hosts returns every host's stats with them, at no extra round trip."""
    return _key(event_type_partition(event_type_id), f"{STATS_PREFIX}{user_id}")


def host_timeline_entry(event_type_id: int, user_id: int, created_at: datetime, uid: str) -> Key:
    """One ACCEPTED booking of the host, sorted by creation: the latest ones are a small Query away."""
    return _key(
        host_timeline_partition(event_type_id, user_id),
        f"{TIMELINE_PREFIX}{timeline_position(created_at, uid)}",
    )


TIMELINE_PREFIX = "BOOKED#"  # then the booking's timeline position (models.timeline_position)


def interval_counts(event_type_id: int, interval_id: str) -> Key:
    """ACCEPTED bookings per round-robin host in one weighting interval (see selection.interval_id):
    one item, an attribute per host (`counter_attribute`), so weighting reads one key, not one per host."""
    return _key(f"ETCOUNT#{event_type_id}", interval_id)


def counter_attribute(user_id: int) -> str:
    return f"u{user_id}"


COUNTED_PREFIX = "b#"
# The counted bookings of an interval are spread over this many items, so none nears DynamoDB's
# 400 KB item limit (about 5,900 entries each) and an update is billed for one shard, not all.
COUNTED_SHARDS = 16


def counted_shard(uid: str) -> int:
    """A booking's shard: a stable hash of its uid, so every writer picks the same one."""
    return stable_shard(uid, COUNTED_SHARDS)


def counted_bookings(event_type_id: int, interval_id: str, shard: int) -> Key:
    """One shard of an interval's counted bookings, next to its counts item (same partition)."""
    return _key(f"ETCOUNT#{event_type_id}", f"{interval_id}#COUNTED#{shard:02d}")


def counted_attribute(uid: str) -> str:
    """A counted booking's entry on its shard item (its creation time, organizer and hosts): one
    attribute per booking, so writers set and remove their own without a read."""
    return f"{COUNTED_PREFIX}{uid}"


def away(user_id: int) -> Key:
    """A user's out-of-office spells, one attribute each (`away_attribute`): the calibration reads
    every round-robin host's in the batch that reads the interval's counts."""
    return _key(f"AWAY#{user_id}", "AWAY")


AWAY_PREFIX = "o#"


def away_attribute(start: datetime, end: datetime) -> str:
    return f"{AWAY_PREFIX}{iso(start)}/{iso(end)}"


def registry_partition(kind: str) -> str:
    """What the loader wrote of one kind of record (users, hosts, ...): one entry per record, so a
    reload finds what the file no longer lists with a Query, never a Scan."""
    return f"LOADED#{kind}"


def registry_entry(kind: str, name: str) -> Key:
    return _key(registry_partition(kind), name)


OUT_OF_OFFICE = "outOfOffice"


def out_of_office(user_id: int, start: datetime, end: datetime) -> Key:
    """An out-of-office entry the loader wrote: it is its own registry entry."""
    return registry_entry(OUT_OF_OFFICE, f"{user_id}#{iso(start)}#{iso(end)}")


def credential_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def rate_limit_id(secret_hash: str) -> str:
    """Names a credential in its rate-limit counters: derived from its hash, so the counters never
    hold the credentials table's key (nor, of course, the secret)."""
    return hashlib.sha256(f"rate-limit:{secret_hash}".encode()).hexdigest()[:32]


RATE_PREFIX = "RATE#"


def rate_window(credential_id: str, window_start: int) -> Key:
    """A credential's request count in one window; expires (TTL) soon after the window ends."""
    return _key(f"{RATE_PREFIX}{credential_id}", f"WINDOW#{window_start}")


def api_key(secret_hash: str) -> dict[str, str]:
    return {"PK": f"APIKEY#{secret_hash}"}


def access_token(secret_hash: str) -> dict[str, str]:
    return {"PK": f"TOKEN#{secret_hash}"}


def oauth_client(client_id: str) -> dict[str, str]:
    return {"PK": f"CLIENT#{client_id}"}
