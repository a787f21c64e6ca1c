"""The two read routes behind API Gateway: the ranked candidates for a booking (the same decision
the auto reassignment takes) and the booking's reassignment history, newest first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.assertions import assert_error
from tests.factories import API_VERSION, LambdaContext, base_dataset, booking, http_event, schedule


@pytest.fixture
def get(reassign_app: Any) -> Any:
    """get(path, query, user_id, api_version) -> (status, parsed body) of one GET request."""

    def send(
        path: str,
        query: dict[str, str] | None = None,
        user_id: int = 1,
        api_version: str | None = API_VERSION,
    ) -> tuple[int, dict[str, Any]]:
        event = http_event(path, None, None, user_id, api_version)
        resource = "/bookings/{bookingUid}/" + path.rsplit("/", 1)[-1]
        event |= {
            "httpMethod": "GET",
            "resource": resource,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        }
        event["requestContext"] |= {"httpMethod": "GET", "resourcePath": resource}
        response = reassign_app.lambda_handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    return send


def refused(response: tuple[int, dict[str, Any]], status: int, code: str) -> None:
    assert response[0] == status, response
    assert_error(response[1], code)


def by_id(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in body["data"]["candidates"]}


def test_candidates_rank_the_available_first_and_say_why_the_others_cannot(get: Any, store: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4, 5, 8))
    # 3: busy at that time; 4: no schedule; 5: open only in the morning; 8: free.
    data["bookings"].append(booking("b-other", 3, start="2050-01-07T13:30:00Z", end="2050-01-07T14:30:00Z"))
    next(u for u in data["users"] if u["id"] == 4)["defaultScheduleId"] = None
    data["schedules"] = [s for s in data["schedules"] if s["id"] != 1005] + [
        schedule(1005, 5, [{"days": [0, 1, 2, 3, 4, 5, 6], "startTime": "08:00", "endTime": "12:00"}])
    ]
    store.load(data)
    before = store.snapshot()

    status, body = get("/bookings/b-1/reassignment-candidates")

    assert status == 200, body
    assert body["data"]["bookingUid"] == "b-1"
    assert body["data"]["currentHost"] == {"id": 2, "name": "Host 2", "email": "user2@example.test"}
    assert [(c["id"], c["rank"], c["reason"]) for c in body["data"]["candidates"]] == [
        (8, 1, None),
        (3, None, "BUSY"),
        (4, None, "NO_SCHEDULE"),
        (5, None, "OUTSIDE_SCHEDULE"),
    ]
    free = by_id(body)[8]
    assert free["available"] is True and by_id(body)[3]["available"] is False
    assert (free["priority"], free["weight"], free["bookingsInInterval"], free["lastBookedAt"]) == (
        2,
        100,
        None,
        None,
    )
    assert store.snapshot() == before  # a preview writes nothing


def test_rank_one_is_whom_the_auto_reassignment_picks(get: Any, call: Any, store: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4, 5))
    event_type = data["eventTypes"][0]
    event_type["isRRWeightsEnabled"] = True
    event_type["hosts"] = [
        {"userId": i, "isFixed": False, "weight": w} for i, w in ((2, 100), (3, 50), (4, 200), (5, 100))
    ]
    store.load(data)

    _, body = get("/bookings/b-1/reassignment-candidates")
    ranked = sorted((c for c in body["data"]["candidates"] if c["rank"]), key=lambda c: c["rank"])
    status, reassigned = call("/bookings/b-1/reassign")[:2]

    assert status == 200
    assert (
        reassigned["data"]["reassignedTo"]["id"] == ranked[0]["id"] == 4
    )  # the heaviest, all counts being 0
    assert [c["rank"] for c in ranked] == [1, 2, 3]
    assert all(c["bookingsInInterval"] == 0 for c in ranked)


def test_candidates_follow_the_reassignment_checks(get: Any, store: Any) -> None:
    data = base_dataset()
    data["bookings"].append(booking("b-cancelled", 2, status="CANCELLED"))
    store.load(data)

    refused(get("/bookings/nope/reassignment-candidates"), 404, "NotFoundException")
    refused(get("/bookings/b-1/reassignment-candidates", user_id=6), 403, "ForbiddenException")
    refused(get("/bookings/b-cancelled/reassignment-candidates"), 400, "BadRequestException")
    refused(get("/bookings/b-1/reassignment-candidates", api_version=None), 400, "BadRequestException")


def test_history_lists_the_reassignments_newest_first_a_page_at_a_time(
    get: Any, call: Any, store: Any
) -> None:
    store.load(base_dataset())
    assert get("/bookings/b-1/reassignments")[1]["data"] == []
    for target in (3, 4, 2):
        assert call(f"/bookings/b-1/reassign/{target}", body=json.dumps({"reason": f"to {target}"}))[0] == 200
    assert call("/bookings/b-1/reassign")[0] == 200

    status, body = get("/bookings/b-1/reassignments")

    assert status == 200, body
    records = body["data"]
    assert [(r["type"], r["fromUserId"], r["toUserId"]) for r in records] == [
        ("auto", 2, records[0]["toUserId"]),
        ("manual", 4, 2),
        ("manual", 3, 4),
        ("manual", 2, 3),
    ]
    assert records[1]["reason"] == "to 2" and records[0]["reason"] is None
    assert {r["reassignedById"] for r in records} == {1}
    assert [r["at"] for r in records] == sorted((r["at"] for r in records), reverse=True)
    assert len({r["id"] for r in records}) == 4

    _, page = get("/bookings/b-1/reassignments", {"take": "2", "skip": "1"})
    assert [r["id"] for r in page["data"]] == [r["id"] for r in records[1:3]]
    assert page["pagination"] == {
        "returnedItems": 2,
        "itemsPerPage": 2,
        "currentPage": 1,
        "hasNextPage": True,
        "hasPreviousPage": True,
    }
    _, last = get("/bookings/b-1/reassignments", {"take": "2", "skip": "2"})
    assert [r["id"] for r in last["data"]] == [r["id"] for r in records[2:]]
    assert last["pagination"]["hasNextPage"] is False


def test_history_needs_the_same_permission_and_well_formed_paging(get: Any, store: Any) -> None:
    store.load(base_dataset())

    refused(get("/bookings/nope/reassignments"), 404, "NotFoundException")
    refused(get("/bookings/b-1/reassignments", user_id=6), 403, "ForbiddenException")
    for query in ({"take": "0"}, {"take": "251"}, {"skip": "-1"}, {"take": "x"}):
        refused(get("/bookings/b-1/reassignments", query), 400, "BadRequestException")
