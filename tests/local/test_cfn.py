"""Reading template.yaml: short tags, intrinsics, Globals, routes, authorizers, tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from local.cfn import (
    CfnLoader,
    Resolver,
    Route,
    Template,
    TemplateError,
    ensure_tables,
    load_template,
)
from local.dynamo import EmbeddedDynamoDB

from .conftest import FIXTURE_TEMPLATE, REAL_TEMPLATE


def _route(resource: str, method: str = "POST") -> Route:
    return Route("Api", "v2", method, resource, "Fn", None)


# ------------------------------------------------------------------ the real template


@pytest.fixture(scope="module")
def real() -> Template:
    return load_template(REAL_TEMPLATE)


def test_real_template_routes(real: Template) -> None:
    assert list(real.apis) == ["ReassignApi"]
    api = real.apis["ReassignApi"]
    assert api.stage == "v2"
    routes = {(r.method, r.resource, r.function_id, r.authorizer) for r in api.routes}
    webhooks = {r for r in routes if r[2] == "WebhooksFunction"}
    assert routes - webhooks == {
        ("POST", "/bookings/{bookingUid}/reassign", "ReassignFunction", api.default_authorizer),
        ("POST", "/bookings/{bookingUid}/reassign/{userId}", "ReassignFunction", api.default_authorizer),
        ("GET", "/bookings/{bookingUid}/reassignment-candidates", "ReassignFunction", api.default_authorizer),
        ("GET", "/bookings/{bookingUid}/reassignments", "ReassignFunction", api.default_authorizer),
        ("POST", "/sync/calcom", "SyncFunction", None),  # Auth: NONE: signed by Cal.com instead
    }
    # The webhooks API: 7 routes for user webhooks and 7 for event-type webhooks, same authorizer.
    assert len(webhooks) == 14 and {r[3] for r in webhooks} == {api.default_authorizer}


def test_real_template_authorizer(real: Template) -> None:
    api = real.apis["ReassignApi"]
    assert api.default_authorizer is not None
    authorizer = api.authorizers[api.default_authorizer]
    assert authorizer.function_id == "AuthorizerFunction"
    assert authorizer.payload_type == "REQUEST"
    assert authorizer.identity_headers == ("Authorization",)
    assert authorizer.ttl_seconds == 60


def test_real_template_gateway_responses(real: Template) -> None:
    responses = real.apis["ReassignApi"].gateway_responses
    for kind in (
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "THROTTLED",
        "MISSING_AUTHENTICATION_TOKEN",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    ):
        assert "application/json" in responses[kind].templates, kind
    assert responses["UNAUTHORIZED"].status_code == 401
    assert responses["MISSING_AUTHENTICATION_TOKEN"].status_code == 404


def test_real_template_functions(real: Template) -> None:
    root = REAL_TEMPLATE.parent
    reassign, authorizer = real.functions["ReassignFunction"], real.functions["AuthorizerFunction"]
    assert reassign.handler_file == root / "functions" / "reassign" / "app.py"
    assert authorizer.handler_file == root / "functions" / "authorizer" / "app.py"
    assert reassign.handler_name == "lambda_handler"
    assert root / "layers" / "core" in reassign.layer_paths  # reassign_core must be importable
    # !Ref <table> resolves to the local table name, which is the logical id.
    assert reassign.env["DATA_TABLE"] == "DataTable"
    assert reassign.env["OUTBOX_TABLE"] == "OutboxTable"
    assert reassign.env["IDEMPOTENCY_TABLE"] == "IdempotencyTable"
    assert authorizer.env["CREDENTIALS_TABLE"] == "CredentialsTable"
    # Globals merged in, parameter refs at their Default.
    for env in (reassign.env, authorizer.env):
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert reassign.env["POWERTOOLS_SERVICE_NAME"] != authorizer.env["POWERTOOLS_SERVICE_NAME"]
    assert reassign.timeout_seconds > 0 and reassign.memory_mb >= 128


def test_real_template_tables(real: Template) -> None:
    assert real.table_names() == {
        "DataTable": "DataTable",
        "CredentialsTable": "CredentialsTable",
        "OutboxTable": "OutboxTable",
        "IdempotencyTable": "IdempotencyTable",
        "WebhooksTable": "WebhooksTable",
    }
    assert real.tables["OutboxTable"].ttl_attribute == "expiresAt"
    assert real.tables["OutboxTable"].stream_view_type is not None
    assert real.tables["IdempotencyTable"].ttl_attribute == "expiration"
    assert [k["AttributeName"] for k in real.tables["DataTable"].key_schema] == ["PK", "SK"]


def test_real_tables_are_created(real: Template, store: EmbeddedDynamoDB) -> None:
    client = store.client()
    ensure_tables(client, real)
    ensure_tables(client, real)  # idempotent
    assert set(client.list_tables()["TableNames"]) == set(real.table_names().values())
    ttl = client.describe_time_to_live(TableName="OutboxTable")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
    outbox = client.describe_table(TableName="OutboxTable")["Table"]
    assert outbox["StreamSpecification"]["StreamEnabled"] is True
    assert outbox["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


# ------------------------------------------------------------------ the fixture template


def test_fixture_intrinsics_and_globals(toy_template: Template) -> None:
    echo = toy_template.functions["EchoFunction"]
    assert echo.env == {
        "SHARED": "global",
        "FLAVOUR": "mild",  # !If on a condition over a parameter default
        "POWERTOOLS_SERVICE_NAME": "echo",
        "DATA_TABLE": "DataTable",
        "STREAM": "arn:aws:dynamodb:us-east-1:123456789012:table/DataTable/stream/local",
        "GREETING": "hello from us-east-1 v9 ${Literal}",
    }
    assert echo.memory_mb == 256  # !FindInMap in Globals
    assert echo.timeout_seconds == 5
    assert echo.layer_paths == (FIXTURE_TEMPLATE.parent / "layer",)
    broken = toy_template.functions["BrokenFunction"]
    assert broken.handler_file == FIXTURE_TEMPLATE.parent / "functions" / "broken" / "handler.py"
    assert broken.handler_name == "main"


def test_fixture_parameter_overrides() -> None:
    template = load_template(FIXTURE_TEMPLATE, {"Flavour": "spicy", "Stage": "beta", "CacheSeconds": "0"})
    assert template.functions["EchoFunction"].env["FLAVOUR"] == "hot"
    assert template.apis["ToyApi"].stage == "beta"
    assert template.apis["ToyApi"].authorizers["ToyAuthorizer"].ttl_seconds == 0
    assert template.tables["CredentialsTable"].name == "beta-credentials"


def test_fixture_routes(toy_template: Template) -> None:
    routes = {(r.method, r.resource): r for r in toy_template.routes()}
    assert routes[("ANY", "/open")].authorizer is None  # Auth: {Authorizer: NONE}
    assert routes[("GET", "/broken/{mode}")].function_id == "BrokenFunction"
    assert routes[("POST", "/bookings/{bookingUid}/reassign")].authorizer == "ToyAuthorizer"
    assert routes[("GET", "/files/{proxy+}")].stage == "v9"


def test_fixture_tables(toy_template: Template, store: EmbeddedDynamoDB) -> None:
    data = toy_template.tables["DataTable"]
    assert data.global_indexes == [
        {
            "IndexName": "GSI1",
            "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    assert toy_template.tables["Counters"].key_schema == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert toy_template.table_names()["CredentialsTable"] == "v9-credentials"
    client = store.client()
    ensure_tables(client, toy_template)
    described = client.describe_table(TableName="DataTable")["Table"]
    assert described["GlobalSecondaryIndexes"][0]["IndexName"] == "GSI1"
    assert described["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert (
        client.describe_time_to_live(TableName="DataTable")["TimeToLiveDescription"]["AttributeName"] == "ttl"
    )
    assert "v9-credentials" in client.list_tables()["TableNames"]


# ------------------------------------------------------------------ pieces


def test_short_tags() -> None:
    doc = yaml.load(
        """
        a: !Ref X
        b: !GetAtt T.Arn
        c: !Sub ["${A}-${B}", {A: !Ref X, B: two}]
        d: !Join [",", [!Ref X, y]]
        e: !Select [1, !Split ["/", "p/q/r"]]
        f: !Not [!Equals [!Ref X, one]]
        """,
        Loader=CfnLoader,
    )
    assert doc["a"] == {"Ref": "X"}
    assert doc["b"] == {"Fn::GetAtt": ["T", "Arn"]}
    resolver = Resolver({"Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}, {"X": "one"}, "eu-west-1")
    resolved = resolver.resolve(doc)
    assert resolved == {
        "a": "one",
        "b": "arn:aws:dynamodb:eu-west-1:123456789012:table/T",
        "c": "one-two",
        "d": "one,y",
        "e": "q",
        "f": False,
    }


def test_no_value_and_unknown_refs() -> None:
    resolver = Resolver({}, {}, "us-east-1")
    assert resolver.resolve({"keep": 1, "drop": {"Ref": "AWS::NoValue"}}) == {"keep": 1}
    with pytest.raises(TemplateError):
        resolver.resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::ImportValue": "x"})


def test_route_matching() -> None:
    auto = _route("/bookings/{bookingUid}/reassign")
    assert auto.match(["bookings", "b-1", "reassign"]) == {"bookingUid": "b-1"}
    assert auto.match(["bookings", "b-1", "reassign", "7"]) is None
    assert auto.match(["bookings", "", "reassign"]) is None  # a parameter is never empty
    assert auto.match(["bookings", "b-1"]) is None
    proxy = _route("/files/{proxy+}")
    assert proxy.match(["files", "a", "b"]) == {"proxy": "a/b"}
    assert proxy.match(["files"]) is None
    special = _route("/bookings/special/reassign")
    assert special.specificity() < auto.specificity()


def test_missing_template_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_template(tmp_path / "nope.yaml")
