"""The package's rooms and which way their imports run (docs/architecture.md, Folders): the pure
rooms import no AWS code and nothing above them, the store nothing above the pure rooms."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "core" / "reassign_core"
AWS_AND_FRAMEWORKS = {"boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk"}

# Each room and the rooms of the package it may import (itself always).
MAY_IMPORT = {
    "domain": set(),
    "sync": {"domain"},
    "webhooks": {"domain"},
    "store": {"domain", "webhooks"},
    "ingest": {"domain", "store"},
    "services": {"domain", "sync", "webhooks", "store", "ingest", "settings"},
    "api": {"domain", "webhooks", "services"},
}
PURE = ("domain", "sync", "webhooks")


def _imports(room: str) -> dict[str, set[str]]:
    """Every top-level module each file of the room imports, at any depth (deferred imports too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / room).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                if node.module == "reassign_core":  # `from reassign_core import runtime`: the module named
                    names |= {f"reassign_core.{alias.name}" for alias in node.names}
        found[path.relative_to(PACKAGE).as_posix()] = names
    return found


def _room_of(module: str) -> str | None:
    """The package's room (or top-level module: runtime, settings, ...) a module name is in."""
    parts = module.split(".")
    return parts[1] if parts[0] == "reassign_core" and len(parts) > 1 else None


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_a_room_imports_only_the_rooms_below_it(room: str) -> None:
    allowed = MAY_IMPORT[room] | {room}
    wrong = {
        f"{file}: {module}"
        for file, modules in _imports(room).items()
        for module in modules
        if (other := _room_of(module)) is not None and other not in allowed
    }
    assert not wrong


@pytest.mark.parametrize("room", PURE)
def test_the_pure_rooms_import_no_aws_code(room: str) -> None:
    wrong = {
        f"{file}: {module}"
        for file, modules in _imports(room).items()
        for module in modules
        if module.split(".")[0] in AWS_AND_FRAMEWORKS
    }
    assert not wrong


def test_no_room_uses_relative_imports() -> None:
    # Relative imports would slip past the checks above, which read absolute module names.
    relative = {
        f"{path.relative_to(PACKAGE).as_posix()}: line {node.lineno}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    }
    assert not relative


def test_every_room_is_placed() -> None:
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms == set(MAY_IMPORT)
