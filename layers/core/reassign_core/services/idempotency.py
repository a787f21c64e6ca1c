"""At most once per (Idempotency-Key, caller), on Powertools' idempotency utility (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from reassign_core.domain.errors import IdempotencyInFlight, IdempotencyKeyReused, StoreUnavailable
from reassign_core.domain.models import RequestSource
from reassign_core.services.reassign import ReassignRequest
from reassign_core.store.failures import is_store_unavailable

RESPONSE_TTL_SECONDS = 24 * 60 * 60

Execute = Callable[[ReassignRequest], dict[str, Any]]


class IdempotentRunner:
    """Runs a request at most once per key and caller; replays return the first success body.

    Only successes are stored: an error leaves no record, so a retry runs again (and, the state
    being unchanged, answers the same error).
    """

    def __init__(self, table_name: str, client: Any) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="[idempotencyKey, request.actor_id]",
            payload_validation_jmespath="request",
            expires_after_seconds=RESPONSE_TTL_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        self._persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)

    def run(self, execute: Execute, request: ReassignRequest, idempotency_key: str) -> dict[str, Any]:
        @idempotent_function(
            data_keyword_argument="call", persistence_store=self._persistence, config=self.config
        )
        def once(call: dict[str, Any]) -> dict[str, Any]:
            return execute(ReassignRequest(**call["request"], source=RequestSource(call["source"])))

        # The source stays out of the hashed request: a retry through the other entry is the same
        # request and answers the first body.
        fields = {name: value for name, value in asdict(request).items() if name != "source"}
        try:
            return once(
                call={"idempotencyKey": idempotency_key, "request": fields, "source": request.source.value}
            )
        except IdempotencyAlreadyInProgressError as error:
            raise IdempotencyInFlight from error
        except IdempotencyValidationError as error:
            raise IdempotencyKeyReused from error
        except IdempotencyPersistenceLayerError as error:
            # The idempotency table throttled, failed or timed out: a 503 to retry, not a 500.
            if is_store_unavailable(error.__cause__):
                raise StoreUnavailable from error
            raise
