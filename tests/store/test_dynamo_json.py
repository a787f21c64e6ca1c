"""The attribute-value codec agrees with boto3's own, for every shape the service stores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from reassign_core.store import dynamo_json

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9).map(
        lambda f: round(f, 6)
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


@given(values)
def test_encoding_matches_boto3(value: Any) -> None:
    encoded = dynamo_json.encode(value)

    assert TypeDeserializer().deserialize(encoded) == _decimals(value)


@given(values)
def test_decoding_inverts_boto3_serialization(value: Any) -> None:
    encoded = TypeSerializer().serialize(_decimals(value))

    assert dynamo_json.decode(encoded) == value


def test_integral_numbers_decode_as_int() -> None:
    assert dynamo_json.decode({"N": "3"}) == 3 and isinstance(dynamo_json.decode({"N": "3.0"}), int)
    assert dynamo_json.decode({"N": "2.5"}) == 2.5


def test_top_level_none_is_left_out_of_items() -> None:
    assert dynamo_json.encode_item({"a": 1, "b": None}) == {"a": {"N": "1"}}


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError):
        dynamo_json.encode({1, 2})
