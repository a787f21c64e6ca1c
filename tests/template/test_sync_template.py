"""The sync function's table grants reach only the partitions it reads and writes (store/keys.py):
a leaked sync secret or a bug cannot touch users, credentials, teams or schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from typing import Any

import pytest

from reassign_core.store import keys
from tests.template.reading import as_list, function_statements

AT = datetime(2050, 1, 7, 9, tzinfo=UTC)
WRITTEN = [
    keys.booking("cal-1"),
    keys.calendar_day(3, date(2050, 1, 7)),
    keys.host_stats(100, 3),
    keys.host_timeline_entry(100, 3, AT, "cal-1"),
    keys.interval_counts(100, "2050-01"),
    keys.out_of_office(3, AT, AT),
    keys.away(3),  # the calibration's copy of the out-of-office spells
]
READ = [  # interval counters are added to, never read
    keys.booking("cal-1"),
    keys.calendar_day(3, date(2050, 1, 7)),
    keys.host_stats(100, 3),
    keys.host_timeline_entry(100, 3, AT, "cal-1"),
    keys.out_of_office(3, AT, AT),
    keys.user_email("Alice@Customer.test"),
    keys.event_type_host(100, 3),
    keys.email_directory(0),  # once per execution environment
    keys.email_directory(keys.EMAIL_DIRECTORY_SHARDS - 1),
]
NEVER_WRITTEN = [
    keys.user_profile(3),
    keys.user_email("alice@customer.test"),
    keys.email_directory(0),
    keys.membership(3, 10),
    keys.team(10),
    keys.schedule(1003),
    keys.registry_entry("users", "3"),
]


def leading_keys(resources: dict[str, Any], sid: str) -> list[str]:
    (statement,) = [s for s in function_statements(resources, "SyncFunction") if s.get("Sid") == sid]
    return list(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])


def granted(patterns: list[str], key: dict[str, str]) -> bool:
    return any(fnmatchcase(key["PK"], pattern) for pattern in patterns)


def test_every_data_table_grant_of_the_sync_is_limited_to_key_prefixes(resources: dict[str, Any]) -> None:
    statements = function_statements(resources, "SyncFunction")
    table_statements = [s for s in statements if "DataTable" in str(s["Resource"])]
    assert {s["Sid"] for s in table_statements} == {"DataTableSyncRead", "DataTableSyncWrite"}
    for statement in table_statements:
        assert statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    reads = {a for s in table_statements if s["Sid"] == "DataTableSyncRead" for a in as_list(s["Action"])}
    assert reads == {"dynamodb:BatchGetItem", "dynamodb:Query"}


@pytest.mark.parametrize("key", READ, ids=lambda k: k["PK"])
def test_what_the_sync_reads_is_granted(resources: dict[str, Any], key: dict[str, str]) -> None:
    assert granted(leading_keys(resources, "DataTableSyncRead"), key)


@pytest.mark.parametrize("key", WRITTEN, ids=lambda k: k["PK"])
def test_what_the_sync_writes_is_granted(resources: dict[str, Any], key: dict[str, str]) -> None:
    assert granted(leading_keys(resources, "DataTableSyncWrite"), key)


@pytest.mark.parametrize("key", NEVER_WRITTEN, ids=lambda k: k["PK"])
def test_users_teams_schedules_and_other_registries_are_out_of_reach(
    resources: dict[str, Any], key: dict[str, str]
) -> None:
    assert not granted(leading_keys(resources, "DataTableSyncWrite"), key)
    if key["PK"].startswith("EMAIL#") or key["PK"] == "DIRECTORY":
        return  # read: the attendees' email entries, the email directory
    assert not granted(leading_keys(resources, "DataTableSyncRead"), key)
