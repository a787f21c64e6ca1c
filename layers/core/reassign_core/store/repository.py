"""The only module that speaks DynamoDB.

Reads come in a constant number of sequential round trips whatever the number of hosts or the
length of booking history: (1) the booking with the caller (and the manual target), (2) the
event type with its hosts and their stats, (3) the candidates' schedules and calendar days and the
interval's weighting counts in parallel BatchGetItem chunks, alongside the holder's timeline. Every
read is strongly consistent. The write is one TransactWriteItems whose conditions fail if anything
the decision rested on changed since it was read.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

from reassign_core.domain.errors import CommitOutcomeUnknown, StoreUnavailable, WriteConflict
from reassign_core.domain.host_stats import timeline_depth
from reassign_core.domain.models import NEVER_BOOKED, Booking, Caller, EventType, TimelineTop, UserProfile
from reassign_core.domain.planning import HostData, HostDataRequest, Plan
from reassign_core.domain.timeutil import iso
from reassign_core.store import codec, derived_codec, keys, schedule_codec
from reassign_core.store.audit import AuditRecord, audit_record_from_item
from reassign_core.store.codec import Item, LazyMapping, WireItem, from_wire, to_wire
from reassign_core.store.derived import calendar_check, derived_actions
from reassign_core.store.failures import (
    CONFLICT_REASONS,
    OUTCOME_UNKNOWN_CODES,
    is_item_too_large,
    item_too_large,
    translated_store_errors,
)

BATCH_GET_LIMIT = 100
OUTBOX_RETENTION = timedelta(days=7)

HOLDER_DEPTH = timeline_depth(touched=1)  # the holder loses the booking


def _chunks[T](values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SentWrite(NamedTuple):  # a transaction a request sent; the event id is its ClientRequestToken
    event_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RequestContext:
    booking: Booking | None
    caller: Caller | None
    target: UserProfile | None
    landed: SentWrite | None = None  # the one of the asked-about writes that applied, if any


class ReassignRepository:
    def __init__(
        self,
        client: Any,
        data_table: str,
        outbox_table: str,
        executor: ThreadPoolExecutor,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._data_table = data_table
        self._outbox_table = outbox_table
        self._executor = executor
        self._sleep = sleep

    # --- round trip 1 ----------------------------------------------------------------------

    def read_request_context(
        self, booking_uid: str, actor_id: int, target_id: int | None, sent: Sequence[SentWrite] = ()
    ) -> RequestContext:
        """With the audit records of `sent` in the same batch: a transaction applies whole, so its
        audit record exists iff it applied, whatever has happened to the booking since."""
        wanted = [keys.booking(booking_uid)]
        if target_id is not None:
            wanted.append(keys.user_profile(target_id))
        audits = {write: keys.audit(booking_uid, write.at, write.event_id) for write in sent}
        found_future = self._executor.submit(self._batch_get_chunk, [*wanted, *audits.values()])
        caller_items = list(map(from_wire, self._query_partition(keys.user_partition(actor_id))))
        found = {_key_of(item): from_wire(item) for item in found_future.result()}
        booking_item = found.get((wanted[0]["PK"], wanted[0]["SK"]))
        target_item = found.get((wanted[-1]["PK"], wanted[-1]["SK"])) if target_id is not None else None
        landed = [write for write, key in audits.items() if (key["PK"], key["SK"]) in found]
        return RequestContext(
            booking=codec.booking_from_item(booking_item) if booking_item else None,
            caller=codec.caller_from_items(actor_id, caller_items),
            target=codec.profile_from_item(target_item) if target_item else None,
            landed=landed[0] if landed else None,
        )

    # --- round trip 2 ----------------------------------------------------------------------

    def read_event_type(self, event_type_id: int) -> EventType | None:
        return codec.event_type_from_wire(self._query_partition(keys.event_type_partition(event_type_id)))

    # --- round trip 3 ----------------------------------------------------------------------

    def read_host_data(self, event_type: EventType, booking: Booking, request: HostDataRequest) -> HostData:
        """Schedules, calendar days and the weighting counts in one parallel batch; the hosts'
        stats came with the event type. The holder's timeline Query runs alongside."""
        schedule_keys = {sid: keys.schedule(sid) for sid in request.schedule_ids}
        calendar_keys = {ck: keys.calendar_day(*ck) for ck in request.calendars}
        counts_key = (
            keys.interval_counts(event_type.id, request.counter_interval)
            if request.counter_interval
            else None
        )
        # The calibration's input, in the same batch as the counts (read only when they are).
        shard_keys = (
            [
                keys.counted_bookings(event_type.id, request.counter_interval, shard)
                for shard in range(keys.COUNTED_SHARDS)
            ]
            if request.counter_interval
            else []
        )
        holder_remaining = (
            self._executor.submit(self._holder_remaining, event_type.id, request.holder_timeline_of, booking)
            if request.holder_timeline_of is not None
            else None
        )
        away_keys = {user_id: keys.away(user_id) for user_id in request.away_of}
        found = self._batch_get(
            [
                *schedule_keys.values(),
                *calendar_keys.values(),
                *filter(None, [counts_key]),
                *shard_keys,
                *away_keys.values(),
            ]
        )

        def lookup(key: Mapping[str, str]) -> WireItem | None:
            return found.get((key["PK"], key["SK"]))

        schedules = {
            sid: schedule_codec.schedule_from_wire(wire_item)
            for sid, key in schedule_keys.items()
            if (wire_item := lookup(key)) is not None
        }
        counts = from_wire(counted) if counts_key and (counted := lookup(counts_key)) else None
        return HostData(
            schedules=schedules,
            # Decoded on first use: many candidates fail the schedule check, and theirs never are.
            calendars=LazyMapping(
                calendar_keys, lambda ck, key: derived_codec.calendar_day_from_wire(ck[0], ck[1], lookup(key))
            ),
            stats=LazyMapping(
                dict.fromkeys(request.stats_of), lambda uid, _: event_type.host_stats.get(uid, NEVER_BOOKED)
            ),
            interval_counts=derived_codec.interval_counts_from_item(counts, request.counters_of),
            holder_remaining=holder_remaining.result() if holder_remaining else None,
            counted=derived_codec.counted_from_items(
                from_wire(shard) for key in shard_keys if (shard := lookup(key)) is not None
            ),
            away={user_id: derived_codec.away_from_item(lookup(key)) for user_id, key in away_keys.items()},
            interval=request.interval,
        )

    def _holder_remaining(self, event_type_id: int, user_id: int, booking: Booking) -> TimelineTop:
        """The holder's newest timeline entries once this booking is gone (read after its stats)."""
        with translated_store_errors():
            response = self._client.query(
                TableName=self._data_table,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                ExpressionAttributeValues=to_wire(
                    {
                        ":pk": keys.host_timeline_partition(event_type_id, user_id),
                        ":prefix": keys.TIMELINE_PREFIX,
                    }
                ),
                ScanIndexForward=False,
                ConsistentRead=True,  # decides the holder's last-booked time, which no condition guards
                Limit=HOLDER_DEPTH,
            )
        return derived_codec.timeline_top(response.get("Items", []), HOLDER_DEPTH, leaving={booking.uid})

    # --- the booking's audit records (the history route) ------------------------------------

    def start_audit_read(self, booking_uid: str, limit: int) -> Future[list[AuditRecord]]:
        """`read_audit` in the background, so it can run alongside another round trip."""
        return self._executor.submit(self.read_audit, booking_uid, limit)

    def read_audit(self, booking_uid: str, limit: int) -> list[AuditRecord]:
        """Up to `limit` of the booking's audit records, newest first (the sort key leads with the time)."""
        partition = keys.booking(booking_uid)["PK"]
        request: dict[str, Any] = {
            "TableName": self._data_table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_wire({":pk": partition, ":prefix": keys.AUDIT_PREFIX}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        found: list[AuditRecord] = []
        with translated_store_errors():
            while len(found) < limit:
                response = self._client.query(**request)
                found += [audit_record_from_item(from_wire(item)) for item in response.get("Items", [])]
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
                request["Limit"] = limit - len(found)
        return found[:limit]

    # --- round trip 4: the write -----------------------------------------------------------

    def commit(self, plan: Plan, event_type_id: int, at: datetime, event_id: str) -> None:
        """One transaction, the event id its ClientRequestToken. WriteConflict: a condition failed
        (a change since the read, or a resend finding this transaction applied). CommitOutcomeUnknown:
        the store failed or never answered, and the transaction may have applied."""
        operations = self._transaction(plan, event_type_id, at, event_id)
        try:
            self._client.transact_write_items(TransactItems=operations, ClientRequestToken=event_id)
        except BotoCoreError as error:  # timeouts, connections closed or refused: after botocore's resend
            raise CommitOutcomeUnknown from error
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in OUTCOME_UNKNOWN_CODES:
                raise CommitOutcomeUnknown from error
            if is_item_too_large(error):
                raise item_too_large() from error
            if code != "TransactionCanceledException":
                raise
            reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
            if reasons & CONFLICT_REASONS:
                raise WriteConflict(sorted(c for c in reasons if c and c != "None")) from error
            if reasons & {"ThrottlingError", "ProvisionedThroughputExceeded"}:
                raise CommitOutcomeUnknown from error  # nothing applied, unless by an earlier send
            raise

    def _transaction(
        self, plan: Plan, event_type_id: int, at: datetime, event_id: str
    ) -> list[dict[str, Any]]:
        booking, after = plan.before, plan.after
        from_user = plan.holder.user_id if plan.holder else None
        record = {
            "eventId": event_id,
            "type": "BOOKING_REASSIGNED",
            "bookingUid": booking.uid,
            "eventTypeId": event_type_id,
            "fromUserId": from_user,
            "toUserId": plan.winner.user_id,
            "reassignedById": plan.actor_id,
            "reassignType": plan.kind.value,
            "reason": plan.reason,
            "source": plan.source.value,
            "at": iso(at),
            # The booking version this write creates: orders a booking's events when `at` ties (same ms).
            "bookingVersion": booking.version + 1,
        }
        operations: list[dict[str, Any]] = [
            self._update_booking(plan, at),
            {
                "Put": {
                    "TableName": self._data_table,
                    "Item": to_wire({**keys.audit(booking.uid, at, event_id), **record}),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Put": {
                    "TableName": self._outbox_table,
                    "Item": to_wire(
                        {
                            "PK": event_id,
                            **record,
                            "booking": {
                                "title": after.title,
                                "startTime": iso(after.start),
                                "endTime": iso(after.end),
                                "status": after.status.value,  # for the webhooks' payload
                                "organizerId": after.organizer_id,
                                "attendees": [codec.attendee_item(a) for a in after.attendees],
                            },
                            "expiresAt": int((at + OUTBOX_RETENTION).timestamp()),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        operations += derived_actions(self._data_table, plan.derived)
        operations += [calendar_check(self._data_table, day) for day in plan.calendar_checks]
        return operations

    def _update_booking(self, plan: Plan, at: datetime) -> dict[str, Any]:
        after = plan.after
        values: dict[str, Any] = {
            ":organizer": after.organizer_id,
            ":title": after.title,
            ":attendees": [codec.attendee_item(a) for a in after.attendees],
            ":by": plan.actor_id,
            ":at": iso(at),
            ":read": plan.before.version,
            ":next": plan.before.version + 1,
            **codec.participants_values(after, ":people", ":roundRobin"),
        }
        assignments = (
            "userId = :organizer, title = :title, attendees = :attendees, reassignedById = :by, "
            "updatedAt = :at, version = :next, people = :people, roundRobinPeople = :roundRobin"
        )
        if plan.reason is not None:
            values[":reason"] = plan.reason
            assignments += ", reassignReason = :reason"
        return {
            "Update": {
                "TableName": self._data_table,
                "Key": to_wire(keys.booking(plan.before.uid)),
                "UpdateExpression": f"SET {assignments}",
                "ConditionExpression": "version = :read",
                "ExpressionAttributeValues": to_wire(values),
            }
        }

    # --- plumbing --------------------------------------------------------------------------

    def _query_partition(self, partition: str) -> list[WireItem]:
        found: list[WireItem] = []
        request: dict[str, Any] = {
            "TableName": self._data_table,
            "KeyConditionExpression": "PK = :pk",
            "ConsistentRead": True,  # host stats come from here, and their versions are conditions
            "ExpressionAttributeValues": to_wire({":pk": partition}),
        }
        with translated_store_errors():
            while True:
                response = self._client.query(**request)
                found.extend(response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    return found
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _batch_get(self, wanted: Sequence[Mapping[str, str]]) -> dict[tuple[str, str], WireItem]:
        """BatchGetItem in parallel chunks of 100, retrying unprocessed keys with backoff.
        Items come back undecoded, by (PK, SK): the caller decodes what it uses."""
        unique = list({(k["PK"], k["SK"]): k for k in wanted}.values())
        found: dict[tuple[str, str], WireItem] = {}
        for chunk_items in self._executor.map(self._batch_get_chunk, _chunks(unique, BATCH_GET_LIMIT)):
            for item in chunk_items:
                found[_key_of(item)] = item
        return found

    def _batch_get_chunk(self, chunk: Sequence[Mapping[str, str]]) -> list[WireItem]:
        pending: list[WireItem] = [{"PK": {"S": k["PK"]}, "SK": {"S": k["SK"]}} for k in chunk]
        found: list[WireItem] = []
        attempt = 0
        with translated_store_errors():
            while pending:
                response = self._client.batch_get_item(
                    RequestItems={self._data_table: {"Keys": pending, "ConsistentRead": True}}
                )
                found.extend(response.get("Responses", {}).get(self._data_table, []))
                pending = response.get("UnprocessedKeys", {}).get(self._data_table, {}).get("Keys", [])
                if pending:
                    attempt += 1
                    if attempt > 5:
                        raise StoreUnavailable
                    self._sleep(random.uniform(0, 0.05 * 2**attempt))
        return found


def _key_of(wire_item: WireItem) -> tuple[str, str]:
    return wire_item["PK"]["S"], wire_item["SK"]["S"]


class CredentialStore:
    """Hashed API keys, access tokens and OAuth clients, for the authorizer. GetItem only."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def get(self, key: Mapping[str, str]) -> Item | None:
        with translated_store_errors():
            response = self._client.get_item(TableName=self._table, Key=to_wire(key), ConsistentRead=True)
        item = response.get("Item")
        return from_wire(item) if item else None
