"""What the Makefile's targets run (make -n: printed, not executed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def dry_run(*args: str) -> str:
    # The venv stamp is made current first so that only the target's own commands are printed.
    return subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout


def test_bench_leaves_the_committed_results_alone_unless_published() -> None:
    assert "bench/results.json" not in dry_run("bench")
    assert '--output "bench/out/results.json"' in dry_run("bench")
    assert '--output "bench/results.json"' in dry_run("bench", "PUBLISH=1")


def test_invoke_passes_the_endpoint() -> None:
    out = dry_run(
        "invoke", "FUNCTION=ReassignFunction", "EVENT=events/x.json", "ENDPOINT=http://127.0.0.1:8000"
    )
    assert '--endpoint-url "http://127.0.0.1:8000"' in out


def test_load_passes_the_deployed_tables_names() -> None:
    out = dry_run("load", "DATA=my.json", "TABLES=DataTable=stack-Data-1 CredentialsTable=stack-Cred-2")
    assert '-m local.load "my.json"' in out
    assert '--table "DataTable=stack-Data-1" --table "CredentialsTable=stack-Cred-2"' in out


def test_lint_runs_the_pinned_redocly_cli_on_the_openapi_document() -> None:
    out = dry_run("-o", "node_modules/.installed", "lint")
    assert "node_modules/.bin/redocly lint --format=stylish docs/openapi.json" in out
    assert "REDOCLY_TELEMETRY=off" in out
    # A fresh clone installs exactly the locked version, once.
    fresh = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "-W", "package-lock.json", "lint"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "npm ci" in fresh
    lock = json.loads((REPO / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@redocly/cli"]["version"] == "2.77.0"
    assert json.loads((REPO / "package.json").read_text())["devDependencies"] == {"@redocly/cli": "2.77.0"}


def test_test_fast_runs_the_suite_without_the_slow_tests() -> None:
    assert '-m pytest -m "not slow"' in dry_run("test-fast")


def test_the_slow_folders_tests_are_the_ones_marked_slow() -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-m",
        "not slow",
        "tests/build",
        "tests/template",
    ]
    listed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False).stdout

    assert "tests/template/test_makefile.py" in listed
    assert "tests/build/" not in listed
    assert "deselected" in listed
