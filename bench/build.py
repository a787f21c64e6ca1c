"""The `sam build` output the cold start is measured on: rebuilt when missing or older than the
sources, then measured (bench.coldstart)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import ROOT, coldstart
from bench.report import log

BUILD_DIR = ROOT / ".aws-sam" / "build"
BUILD_SOURCES = ("template.yaml", "functions", "layers")


def _newest_source(root: Path) -> float:
    newest = 0.0
    for entry in BUILD_SOURCES:
        path = root / entry
        files = (
            [path]
            if path.is_file()
            else [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        )
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def ensure_build(build_dir: Path) -> tuple[bool, list[str]]:
    """(usable, notes). Runs `sam build` when the output is missing or older than the sources."""
    notes: list[str] = []
    built = build_dir / "template.yaml"
    wanted = ["ReassignFunction", "CoreLayer", "DepsLayer"]
    fresh = (
        built.exists()
        and all((build_dir / w).is_dir() for w in wanted)
        and built.stat().st_mtime >= _newest_source(ROOT)
    )
    if fresh:
        return True, notes
    reason = "missing" if not built.exists() else "older than the sources"
    log(f"  sam build output is {reason}: running sam build")
    venv_bin = Path(sys.executable).parent
    sam = venv_bin / "sam"
    command = [str(sam) if sam.exists() else "sam", "build", "--template", "template.yaml"]
    if build_dir != BUILD_DIR:
        command += ["--build-dir", str(build_dir)]
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHON313": sys.executable,
        "SAM_CLI_TELEMETRY": "0",
    }
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        notes.append(f"sam build failed ({reason}): {done.stderr.strip()[-500:]}")
        return False, notes
    notes.append(f"sam build run by the benchmark (output was {reason})")
    return True, notes


def cold_start(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    from local.cfn import load_template

    build_dir = args.build_dir
    usable, notes = ensure_build(build_dir)
    template = load_template(ROOT / "template.yaml")
    function_env = {k: str(v) for k, v in template.functions["ReassignFunction"].env.items()}
    layout = coldstart.build_layout(build_dir) if usable else coldstart.source_layout(ROOT)
    work = coldstart.work_dir()
    try:
        result = coldstart.measure(layout, function_env, args.cold_runs, work)
    finally:
        coldstart.cleanup(work)
    result["notes"] = notes
    return result, (coldstart.artifacts(build_dir) if usable else {})
