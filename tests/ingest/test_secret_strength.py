"""The loader refuses keys and tokens short enough to guess (docs/dataset.md): at least 32 characters
after an API key's `cal_` (and `live_`/`test_`, when one follows); every credential the project ships
(the demo data, the sample events, the fixtures) passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local import load
from reassign_core.ingest.dataset import DatasetError, parse_dataset
from tests.factories import base_dataset
from tests.security.credentials import security_dataset

ROOT = Path(__file__).resolve().parents[2]
THIRTY_ONE = "x" * 31


@pytest.mark.parametrize(
    "key",
    [
        "cal_x",
        f"cal_{THIRTY_ONE}",
        f"cal_live_{THIRTY_ONE}",
        f"cal_test_{THIRTY_ONE}",
        "cal_live_" + "a" * 23,
    ],
)
def test_a_short_api_key_is_a_problem_of_the_file(key: str) -> None:
    data = base_dataset()
    data["apiKeys"].append({"key": key, "userId": 1})

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    [problem] = caught.value.problems
    assert problem.path == f"apiKeys[{len(data['apiKeys']) - 1}].key"
    assert problem.reason.startswith("too short to be secret: at least 32 characters")
    assert key not in problem.reason  # the file's secret is not repeated back


@pytest.mark.parametrize("token", ["12345678", "t" * 31])
def test_a_short_access_token_is_a_problem_of_the_file(token: str) -> None:
    data = base_dataset()
    data["accessTokens"][0]["token"] = token

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    assert [(p.path, p.reason) for p in caught.value.problems] == [
        ("accessTokens[0].token", "too short to be secret: at least 32 characters")
    ]


@pytest.mark.parametrize(
    "key", [f"cal_{THIRTY_ONE}x", f"cal_live_{THIRTY_ONE}x", f"cal_test_{THIRTY_ONE}x", "cal_" + "0" * 32]
)
def test_keys_of_32_characters_after_the_prefix_are_taken(key: str) -> None:
    data = base_dataset()
    data["apiKeys"].append({"key": key, "userId": 1})
    data["accessTokens"][0]["token"] = "t" * 32

    parse_dataset(data)


def test_a_short_key_writes_nothing(store: Any, tmp_path: Path, capsys: Any) -> None:
    data = base_dataset()
    data["apiKeys"][0]["key"] = "cal_x"
    path = tmp_path / "weak.json"
    path.write_text(json.dumps(data))

    code = load.main([str(path), "--endpoint-url", store.client.meta.endpoint_url])

    assert code == 1
    assert "apiKeys[0].key: too short to be secret" in capsys.readouterr().err
    assert store.scan() == [] and store.scan("CredentialsTable") == []


def test_the_shipped_credentials_are_long_enough() -> None:
    parse_dataset(json.loads((ROOT / "local" / "demo_data.json").read_text()))
    parse_dataset(security_dataset())


def _bearer(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [found for v in value.values() for found in _bearer(v)]
    if isinstance(value, list):
        return [found for v in value for found in _bearer(v)]
    return [value.removeprefix("Bearer ")] if isinstance(value, str) and value.startswith("Bearer ") else []


def test_the_sample_events_carry_credentials_the_demo_data_holds() -> None:
    demo = json.loads((ROOT / "local" / "demo_data.json").read_text())
    shipped = {k["key"] for k in demo["apiKeys"]} | {t["token"] for t in demo["accessTokens"]}
    sent = {
        token
        for event in (ROOT / "events").glob("*.json")
        for token in _bearer(json.loads(event.read_text()))
    }

    assert sent and sent <= shipped
