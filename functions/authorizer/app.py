"""REQUEST authorizer: a Bearer API key or managed-user access token → an IAM policy for the caller."""

from __future__ import annotations

import gc

# Init-phase objects live as long as the execution environment: no collections while they are built.
gc.disable()

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from reassign_core import runtime
from reassign_core.services.authentication import Grant, Verdict, resolve_credentials

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def lambda_handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
    if _authorization_count(event) > 1:
        # Which copy the cache key holds and which one is checked must never differ: refuse both.
        logger.info("Credentials rejected", extra={"reason": "repeated Authorization header"})
        raise Exception("Unauthorized")
    outcome = resolve_credentials(event.headers.get("authorization"), runtime.credential_store())
    if not isinstance(outcome, Grant):
        if outcome is Verdict.FORBIDDEN:
            logger.info("Credentials valid but the OAuth client has no permission that opens a route")
            return _policy(event, principal_id="forbidden", context={}, allow=False)
        logger.info("Credentials rejected", extra={"reason": outcome.value})
        # API Gateway answers 401 (UNAUTHORIZED) exactly when the authorizer raises "Unauthorized".
        raise Exception("Unauthorized")
    logger.append_keys(user_id=outcome.user_id, auth_method=outcome.method)
    return _policy(
        event,
        principal_id=str(outcome.user_id),
        context={
            "userId": str(outcome.user_id),
            "authMethod": outcome.method,
            "clientId": outcome.client_id or "",
            "credentialId": outcome.credential_id,  # the rate limit's counter; not the token
        },
        allow=True,
        routes=outcome.routes(),
    )


def _authorization_count(event: APIGatewayAuthorizerRequestEvent) -> int:
    multi = event.raw_event.get("multiValueHeaders") or {}
    return sum(len(values or []) for name, values in multi.items() if name.lower() == "authorization")


def _policy(
    event: APIGatewayAuthorizerRequestEvent,
    principal_id: str,
    context: dict[str, str],
    allow: bool,
    routes: tuple[tuple[str, str], ...] | None = None,
) -> dict[str, Any]:
    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=principal_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context=context,
    )
    # The result is cached per token for every route, so the policy must speak for all of them:
    # it names each route the grant covers, never only the one being asked for.
    if allow and routes is not None:
        for method, resource in routes:
            policy.allow_route(method, resource)
    elif allow:
        policy.allow_all_routes()
    else:
        policy.deny_all_routes()
    return policy.asdict()


# --- init phase --------------------------------------------------------------------------------

runtime.credential_store()  # the DynamoDB client, made in the init phase rather than the first request
gc.freeze()  # later collections skip the init objects (see the reassign function's app.py)
gc.enable()
