"""The `credentials` fixture: the security dataset loaded, plus a token whose OAuth client is gone."""

from __future__ import annotations

from typing import Any

import pytest

from local.gateway import LocalApi
from reassign_core.store import keys
from reassign_core.store.codec import to_wire
from tests.conftest import ROOT
from tests.security.credentials import ORPHAN_TOKEN, security_dataset


@pytest.fixture
def credentials(store: Any) -> dict[str, Any]:
    data = security_dataset()
    store.load(data)
    orphan = {
        **keys.access_token(keys.credential_hash(ORPHAN_TOKEN)),
        "userId": 2,
        "clientId": "deleted-client",
    }
    store.client.put_item(TableName=store.tables["CredentialsTable"], Item=to_wire(orphan))
    return data


@pytest.fixture(scope="module")
def local_api(dynamo: Any) -> LocalApi:
    """The local API over the real template: gateway, authorizer and functions, in-process."""
    return LocalApi(ROOT / "template.yaml", dynamo.endpoint_url)
