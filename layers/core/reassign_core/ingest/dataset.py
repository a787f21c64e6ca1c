"""The dataset file: its schema, and a validation that lists every problem at once.

Every problem in one round: each record is validated on its own, so a bad one does not hide the
others, and references are checked among the records that are valid (an id whose record is bad
still counts as existing, so one mistake is reported once). An unknown field is a problem, with
the closest known name as a suggestion: a typo must never quietly change behaviour.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

# Keys and tokens are stored as unsalted SHA-256 digests and nothing locks a guesser out: only
# length makes them unguessable. Cal.com's own are `cal_live_` + 32 hex digits.
MIN_SECRET_CHARACTERS = 32
_API_KEY_PREFIX = re.compile(r"^cal_(?:live_|test_)?")
TIME_OF_DAY = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class Problem(BaseModel):
    path: str
    reason: str


class DatasetError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        listing = "".join(f"\n  {p.path}: {p.reason}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the dataset:{listing}")
        self.problems = problems


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error
    return name


def _instant(value: datetime) -> datetime:
    """Instants in UTC: calendar days and weighting intervals are UTC days and months."""
    if value.tzinfo is None:
        raise ValueError("must be an ISO 8601 instant with a time zone (e.g. 2050-01-07T13:00:00Z)")
    return value.astimezone(UTC)


TimeZoneName = Annotated[str, AfterValidator(_zone)]
Instant = Annotated[datetime, AfterValidator(_instant)]


class User(Model):
    id: int = Field(gt=0)
    username: str | None = None
    name: str = ""
    email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    timeZone: TimeZoneName = "UTC"
    role: Literal["USER", "ADMIN"] = "USER"
    defaultScheduleId: int | None = None


class ApiKey(Model):
    key: str = Field(pattern=r"^cal_\S+$", max_length=1024)
    userId: int
    expiresAt: Instant | None = None
    revokedAt: Instant | None = None


class OAuthClient(Model):
    id: str = Field(min_length=1)
    name: str = ""
    permissions: list[str] = []


class AccessToken(Model):
    token: str = Field(min_length=8, max_length=1024, pattern=r"^\S+$")
    userId: int
    clientId: str
    expiresAt: Instant | None = None
    revokedAt: Instant | None = None


class Member(Model):
    userId: int
    role: Literal["MEMBER", "ADMIN", "OWNER"] = "MEMBER"


class Team(Model):
    id: int = Field(gt=0)
    name: str = ""
    parentId: int | None = None
    members: list[Member] = []


class WeeklyAvailability(Model):
    days: list[int] = Field(min_length=1)
    startTime: str = Field(pattern=TIME_OF_DAY)
    endTime: str = Field(pattern=TIME_OF_DAY)

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in days):
            raise ValueError("days are 0 (Sunday) to 6 (Saturday)")
        return days


def _calendar_date(value: str) -> str:
    date.fromisoformat(value)  # 2050-02-30 is refused here, not halfway through a load
    return value


class DateOverride(Model):
    date: Annotated[str, AfterValidator(_calendar_date)] = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    startTime: str = Field(pattern=TIME_OF_DAY)
    endTime: str = Field(pattern=TIME_OF_DAY)


class Schedule(Model):
    id: int = Field(gt=0)
    userId: int | None = None
    timeZone: TimeZoneName = "UTC"
    availability: list[WeeklyAvailability] = []
    dateOverrides: list[DateOverride] = []


class OutOfOffice(Model):
    userId: int
    start: Instant
    end: Instant


class Host(Model):
    userId: int
    isFixed: bool = False
    priority: int = Field(default=2, ge=0, le=4)
    weight: int = Field(default=100, ge=0)
    scheduleId: int | None = None
    createdAt: Instant | None = None


class EventType(Model):
    id: int = Field(gt=0)
    title: str = ""
    slug: str = ""
    length: int = 30
    teamId: int | None = None
    ownerId: int | None = None
    schedulingType: Literal["ROUND_ROBIN", "COLLECTIVE", "MANAGED"] | None = None
    scheduleId: int | None = None
    timeZone: str | None = None
    eventName: str | None = None
    beforeEventBuffer: int = Field(default=0, ge=0)
    afterEventBuffer: int = Field(default=0, ge=0)
    isRRWeightsEnabled: bool = False
    rrResetInterval: Literal["MONTH", "DAY"] = "MONTH"
    rrTimestampBasis: Literal["CREATED_AT", "START_TIME"] = "CREATED_AT"
    hosts: list[Host] = []


class Attendee(Model):
    name: str = ""
    email: str
    timeZone: str = "UTC"


class Booking(Model):
    uid: str = Field(min_length=1, max_length=255)
    eventTypeId: int | None = None
    userId: int
    title: str = ""
    startTime: Instant
    endTime: Instant
    status: Literal["ACCEPTED", "PENDING", "CANCELLED", "REJECTED"] = "ACCEPTED"
    createdAt: Instant
    attendees: list[Attendee] = []
    responses: dict[str, Any] = {}


class Dataset(Model):
    users: list[User] = []
    apiKeys: list[ApiKey] = []
    oauthClients: list[OAuthClient] = []
    accessTokens: list[AccessToken] = []
    teams: list[Team] = []
    schedules: list[Schedule] = []
    outOfOffice: list[OutOfOffice] = []
    eventTypes: list[EventType] = []
    bookings: list[Booking] = []


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


def _duplicates(collection: str, ids: list[Any], field: str) -> list[Problem]:
    counts = Counter(ids)
    return [
        Problem(path=f"{collection}[{i}].{field}", reason=f"duplicate {field} {value!r}")
        for i, value in enumerate(ids)
        if counts[value] > 1
    ]


def _duplicate_spells(spells: list[OutOfOffice]) -> list[Problem]:
    """An entry is its user and interval: two alike would be one entry listed twice."""
    counts = Counter((a.userId, a.start, a.end) for a in spells)
    return [
        Problem(path=f"outOfOffice[{i}]", reason="duplicate entry (same userId, start and end)")
        for i, a in enumerate(spells)
        if counts[(a.userId, a.start, a.end)] > 1
    ]


def _references(data: Dataset, invalid_ids: dict[str, set[Any]]) -> list[Problem]:
    """What the schema alone cannot see: ids that point nowhere, duplicates, inverted intervals.
    `invalid_ids`: ids of records already reported as invalid, which references may still name."""
    users = {u.id for u in data.users} | invalid_ids["users"]
    schedules = {s.id for s in data.schedules} | invalid_ids["schedules"]
    teams = {t.id for t in data.teams} | invalid_ids["teams"]
    clients = {c.id for c in data.oauthClients} | invalid_ids["oauthClients"]
    event_types = {e.id for e in data.eventTypes} | invalid_ids["eventTypes"]
    problems = [
        *_duplicates("users", [u.id for u in data.users], "id"),
        *_duplicates("users", [u.email.casefold() for u in data.users], "email"),
        *_duplicates("schedules", [s.id for s in data.schedules], "id"),
        *_duplicates("teams", [t.id for t in data.teams], "id"),
        *_duplicates("eventTypes", [e.id for e in data.eventTypes], "id"),
        *_duplicates("bookings", [b.uid for b in data.bookings], "uid"),
        *_duplicates("apiKeys", [k.key for k in data.apiKeys], "key"),
        *_duplicates("accessTokens", [t.token for t in data.accessTokens], "token"),
        *_duplicates("oauthClients", [c.id for c in data.oauthClients], "id"),
        *_duplicate_spells(data.outOfOffice),
        *(
            problem
            for i, team in enumerate(data.teams)
            for problem in _duplicates(f"teams[{i}].members", [m.userId for m in team.members], "userId")
        ),
    ]

    def need(ok: bool, path: str, reason: str) -> None:
        if not ok:
            problems.append(Problem(path=path, reason=reason))

    for i, u in enumerate(data.users):
        need(
            u.defaultScheduleId is None or u.defaultScheduleId in schedules,
            f"users[{i}].defaultScheduleId",
            f"no schedule with id {u.defaultScheduleId}",
        )
    for i, k in enumerate(data.apiKeys):
        need(k.userId in users, f"apiKeys[{i}].userId", f"no user with id {k.userId}")
        need(
            len(_API_KEY_PREFIX.sub("", k.key)) >= MIN_SECRET_CHARACTERS,
            f"apiKeys[{i}].key",
            f"too short to be secret: at least {MIN_SECRET_CHARACTERS} characters after cal_ "
            "(and after live_ or test_, if it follows)",
        )
    for i, t in enumerate(data.accessTokens):
        need(t.userId in users, f"accessTokens[{i}].userId", f"no user with id {t.userId}")
        need(
            len(t.token) >= MIN_SECRET_CHARACTERS,
            f"accessTokens[{i}].token",
            f"too short to be secret: at least {MIN_SECRET_CHARACTERS} characters",
        )
        need(not t.token.startswith("cal_"), f"accessTokens[{i}].token", "cal_ prefixes API keys, not tokens")
        need(t.clientId in clients, f"accessTokens[{i}].clientId", f"no OAuth client with id {t.clientId!r}")
    for i, team in enumerate(data.teams):
        need(
            team.parentId is None or team.parentId in teams,
            f"teams[{i}].parentId",
            f"no team with id {team.parentId}",
        )
        for j, m in enumerate(team.members):
            need(m.userId in users, f"teams[{i}].members[{j}].userId", f"no user with id {m.userId}")
    for i, s in enumerate(data.schedules):
        need(s.userId is None or s.userId in users, f"schedules[{i}].userId", f"no user with id {s.userId}")
        for j, w in enumerate(s.availability):
            need(
                w.startTime < w.endTime,
                f"schedules[{i}].availability[{j}]",
                "endTime must be after startTime",
            )
        for j, override in enumerate(s.dateOverrides):
            need(
                override.startTime <= override.endTime,
                f"schedules[{i}].dateOverrides[{j}]",
                "endTime must not be before startTime",
            )
    for i, away in enumerate(data.outOfOffice):
        need(away.userId in users, f"outOfOffice[{i}].userId", f"no user with id {away.userId}")
        need(away.start < away.end, f"outOfOffice[{i}]", "end must be after start")
    for i, e in enumerate(data.eventTypes):
        need(e.teamId is None or e.teamId in teams, f"eventTypes[{i}].teamId", f"no team with id {e.teamId}")
        need(
            e.scheduleId is None or e.scheduleId in schedules,
            f"eventTypes[{i}].scheduleId",
            f"no schedule with id {e.scheduleId}",
        )
        problems.extend(_duplicates(f"eventTypes[{i}].hosts", [h.userId for h in e.hosts], "userId"))
        for j, h in enumerate(e.hosts):
            need(h.userId in users, f"eventTypes[{i}].hosts[{j}].userId", f"no user with id {h.userId}")
            need(
                h.scheduleId is None or h.scheduleId in schedules,
                f"eventTypes[{i}].hosts[{j}].scheduleId",
                f"no schedule with id {h.scheduleId}",
            )
    for i, b in enumerate(data.bookings):
        need(b.userId in users, f"bookings[{i}].userId", f"no user with id {b.userId}")
        need(
            b.eventTypeId is None or b.eventTypeId in event_types,
            f"bookings[{i}].eventTypeId",
            f"no event type with id {b.eventTypeId}",
        )
        need(b.startTime < b.endTime, f"bookings[{i}]", "endTime must be after startTime")
    return problems


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (itself, or inside list[...] / ... | None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for arg in get_args(annotation) if (m := _model_in(arg)) is not None), None)


def _model_at(location: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model whose field list the last part of `location` (from the dataset's root) is looked up in."""
    model: type[BaseModel] | None = Dataset
    for part in location[:-1]:
        if isinstance(part, str) and model is not None:
            field = model.model_fields.get(part)
            model = _model_in(field.annotation) if field is not None else None
    return model


def _unknown_field(location: tuple[int | str, ...]) -> str:
    model = _model_at(location)
    known = {name.casefold(): name for name in (model.model_fields if model else ())}
    close = difflib.get_close_matches(str(location[-1]).casefold(), known, n=1, cutoff=0.6)
    return f"unknown field; did you mean {known[close[0]]}?" if close else "unknown field"


def _schema_problems(error: ValidationError, prefix: tuple[int | str, ...]) -> list[Problem]:
    problems = []
    for found in error.errors(include_url=False):
        location = (*prefix, *found["loc"])
        reason = _unknown_field(location) if found["type"] == "extra_forbidden" else found["msg"]
        problems.append(Problem(path=_path(location), reason=reason))
    return problems


def parse_dataset(raw: Any) -> Dataset:
    """The whole file is checked before anything is written; every problem is reported."""
    if not isinstance(raw, dict):
        raise DatasetError([Problem(path="$", reason="a dataset is a JSON object (see docs for its fields)")])
    problems = [
        Problem(path=str(key), reason=_unknown_field((key,)))
        for key in raw
        if key not in Dataset.model_fields
    ]
    valid: dict[str, list[Any]] = {}
    invalid_ids: dict[str, set[Any]] = {}
    for name, field in Dataset.model_fields.items():
        model, records = _model_in(field.annotation), raw.get(name, [])
        valid[name], invalid_ids[name] = [], set()
        if not isinstance(records, list):
            problems.append(Problem(path=name, reason="must be a list"))
            continue
        assert model is not None
        for index, record in enumerate(records):
            try:
                valid[name].append(model.model_validate(record))
            except ValidationError as error:
                problems.extend(_schema_problems(error, (name, index)))
                if isinstance(record, dict) and isinstance(record.get("id"), int | str):
                    invalid_ids[name].add(record["id"])
    data = Dataset.model_validate(valid)
    problems.extend(_references(data, invalid_ids))
    if problems:
        raise DatasetError(problems)
    return data
