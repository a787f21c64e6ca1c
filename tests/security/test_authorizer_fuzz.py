"""The authorizer under hostile Authorization headers: only an exact, live credential is let in.

Every answer is an Allow for the right user, a Deny, or exactly `Exception("Unauthorized")` (API
Gateway's 401); never another exception (a 500) and never an Allow for a near miss.
`FUZZ_EXAMPLES` (default 60 per property) scales the random part.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.credentials import EXPECTED, MALFORMED, SECRETS, authorize, near_misses

pytestmark = pytest.mark.usefixtures("credentials")

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,  # each example is a real round trip to the embedded store
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the store is read-only here
)
LIVE_SECRETS = [s for s, outcome in EXPECTED.items() if outcome.startswith("allow")]


@pytest.mark.parametrize("secret", SECRETS)
def test_each_credential_gets_exactly_its_answer(authorizer_app: Any, secret: str) -> None:
    assert authorize(authorizer_app, f"Bearer {secret}") == EXPECTED[secret]


@pytest.mark.parametrize("header", ["Authorization", "authorization", "AUTHORIZATION"])
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_header_name_and_scheme_are_case_insensitive_as_http_says(
    authorizer_app: Any, header: str, scheme: str
) -> None:
    assert (
        authorize(authorizer_app, f"{scheme} {LIVE_SECRETS[0]}", header=header) == EXPECTED[LIVE_SECRETS[0]]
    )


@pytest.mark.parametrize("authorization", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_header_is_unauthorized(authorizer_app: Any, authorization: str | None) -> None:
    assert authorize(authorizer_app, authorization) == "unauthorized"


@pytest.mark.parametrize("secret", SECRETS)
def test_a_near_miss_of_any_credential_is_unauthorized(authorizer_app: Any, secret: str) -> None:
    for near_miss in near_misses(secret):
        assert authorize(authorizer_app, f"Bearer {near_miss}") == "unauthorized", near_miss


def test_whitespace_around_the_header_value_is_not_part_of_the_credential(authorizer_app: Any) -> None:
    # HTTP strips optional whitespace (SP, HTAB) around a field value: "Bearer <key> " *is* the key.
    secret = LIVE_SECRETS[0]
    assert authorize(authorizer_app, f" \tBearer {secret} \t") == EXPECTED[secret]


UNICODE_SPACES = ["\u00a0", "\u3000", "\u2003", "\x85", "\x1f"]


@pytest.mark.parametrize("space", UNICODE_SPACES, ids=[f"U+{ord(c):04X}" for c in UNICODE_SPACES])
def test_unicode_whitespace_around_a_credential_is_not_the_credential(
    authorizer_app: Any, space: str
) -> None:
    assert authorize(authorizer_app, f"Bearer {LIVE_SECRETS[0]}{space}") == "unauthorized"


def _expected(token: str) -> set[str]:
    """The oracle: a credential with HTTP whitespace (SP, HTAB) around it is itself; anything else,
    Unicode whitespace included, is unknown."""
    if token.strip(" \t") in EXPECTED:
        return {EXPECTED[token.strip(" \t")]}
    return {"unauthorized"}


# --- random -----------------------------------------------------------------------------------


@FUZZ
@given(authorization=st.text(max_size=300))
def test_fuzz_any_header_value_is_never_allowed(authorizer_app: Any, authorization: str) -> None:
    assert authorize(authorizer_app, authorization) == "unauthorized"


@FUZZ
@given(token=st.text(min_size=1, max_size=2000))
def test_fuzz_any_bearer_token_that_is_not_a_credential_is_unauthorized(
    authorizer_app: Any, token: str
) -> None:
    assert authorize(authorizer_app, f"Bearer {token}") in _expected(token)


@FUZZ
@given(
    secret=st.sampled_from(SECRETS),
    position=st.integers(min_value=0, max_value=10_000),
    replacement=st.characters(),
)
def test_fuzz_one_character_changed_in_a_credential_is_unauthorized(
    authorizer_app: Any, secret: str, position: int, replacement: str
) -> None:
    i = position % len(secret)
    mutated = secret[:i] + replacement + secret[i + 1 :]
    assert authorize(authorizer_app, f"Bearer {mutated}") in _expected(mutated)


@FUZZ
@given(secret=st.sampled_from(SECRETS), prefix=st.text(max_size=5), suffix=st.text(max_size=5))
def test_fuzz_a_credential_with_anything_around_it_is_unauthorized(
    authorizer_app: Any, secret: str, prefix: str, suffix: str
) -> None:
    token = f"{prefix}{secret}{suffix}"
    assert authorize(authorizer_app, f"Bearer {token}") in _expected(token)
