"""Cold start of the reassign function as `sam build` packages it, against a bare boto3 client.

Each sample is a fresh Python 3.13 process laid out as Lambda lays out a function: the function
directory first (/var/task), then the layers' `python` folders (/opt/python), then the runtime's
own boto3 (here: symlinks to this venv's boto3/botocore/..., standing in for /var/runtime). No
site-packages (`-I -S`), so a dependency missing from the layers fails here as it would in Lambda.

- function: `import app` (the handler module, whose init phase makes the DynamoDB client and the
  service; `reassign_core.runtime.reassign_service()` after it makes sure of that)
- baseline: `import boto3` and `boto3.client("dynamodb")`

Both run with the function's environment (Lambda variables included, so Powertools' Tracer is
on, as with `Tracing: Active`) and dummy credentials. Reported: median wall time of the whole
process (interpreter start to exit) and of the initialisation alone, plus an `-X importtime`
breakdown by top-level package.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What the Lambda Python runtime brings besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")

# Cumulative stages of what the function loads, each a fresh process: the difference between two
# stages is what that dependency adds to a cold start (CPU ms; the least disturbed of the runs).
# Each stage runs as the handlers do, collection off while importing and the result frozen, so
# the differences are the dependencies' own cost, not the collector's.
_BASELINE = "import boto3; boto3.client('dynamodb')"
_PYDANTIC = "from pydantic import BaseModel"
_RESOLVER = (
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver; "
    "APIGatewayRestResolver(enable_validation=True)"
)
_LOGGER = "from aws_lambda_powertools import Logger, Metrics; Logger(); Metrics()"
_TRACER = "from aws_lambda_powertools import Tracer; Tracer()"
STAGES = {
    "interpreter": "pass",
    "boto3 + DynamoDB client (baseline)": _BASELINE,
    "+ pydantic": f"{_BASELINE}; {_PYDANTIC}",
    "+ Powertools resolver (validation on)": f"{_BASELINE}; {_PYDANTIC}; {_RESOLVER}",
    "+ Logger, Metrics": f"{_BASELINE}; {_PYDANTIC}; {_RESOLVER}; {_LOGGER}",
    "+ Tracer (X-Ray SDK)": f"{_BASELINE}; {_PYDANTIC}; {_RESOLVER}; {_LOGGER}; {_TRACER}",
    "the function (app + reassign_core + service)": "import app; from reassign_core import runtime; "
    "runtime.reassign_service()",
}

CHILD = r"""
import gc, json, os, sys, time
t0 = time.perf_counter()
sys.path[:0] = json.loads(os.environ["BENCH_SYS_PATH"])
if os.environ["BENCH_MODE"] == "function":
    import app  # the handler module, as Lambda imports it
    from reassign_core import runtime
    runtime.reassign_service()  # made by app's init phase already: measured either way
else:
    import boto3
    boto3.client("dynamodb")
init_ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"init_ms": init_ms, "modules": len(sys.modules), "frozen": gc.get_freeze_count()}))
"""


@dataclass
class Layout:
    label: str  # "sam build output" or the fallback's label
    sys_path: list[str]
    from_build: bool
    notes: list[str] = field(default_factory=list)


def build_layout(build_dir: Path) -> Layout:
    return Layout(
        "sam build output",
        [
            str(build_dir / "ReassignFunction"),
            str(build_dir / "CoreLayer" / "python"),
            str(build_dir / "DepsLayer" / "python"),
        ],
        from_build=True,
    )


def source_layout(root: Path) -> Layout:
    """Fallback without a build: sources (compiled on first import) and this venv's packages."""
    import site

    return Layout(
        "SOURCE TREE FALLBACK (no sam build output; not what Lambda runs)",
        [str(root / "functions" / "reassign"), str(root / "layers" / "core"), *site.getsitepackages()],
        from_build=False,
    )


def runtime_dir(target: Path) -> Path:
    """A folder holding only the runtime's boto3 & co. (symlinks into this venv)."""
    import boto3

    site_packages = Path(boto3.__file__).resolve().parent.parent
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        if (site_packages / name).exists() and not (target / name).exists():
            (target / name).symlink_to(site_packages / name)
    return target


def lambda_env(function_env: dict[str, str], task_root: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        **function_env,
        # Set by Lambda in every function: libraries (the X-Ray SDK among them) take their
        # in-Lambda path on it, e.g. no sampling-rules client.
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "ReassignFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "PYTHONDONTWRITEBYTECODE": "1",  # the artefacts must be used as built, not patched
    }


def stages(sys_path: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    """CPU ms of a fresh process for each cumulative stage of STAGES: the minimum over the runs, the
    run least disturbed by whatever else the machine does (the differences are small, the noise not)."""
    found: dict[str, list[float]] = {name: [] for name in STAGES}
    for _ in range(runs):
        for name, code in STAGES.items():
            script = f"import gc, sys; gc.disable(); sys.path[:0] = {sys_path!r}\n{code}\ngc.freeze()"
            before = _cpu_of_children()
            subprocess.run(
                [sys.executable, "-I", "-S", "-c", script], env=env, capture_output=True, check=True
            )
            found[name].append((_cpu_of_children() - before) * 1000)
    return {name: round(min(v), 1) for name, v in found.items()}


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    python: str, mode: str, sys_path: list[str], env: dict[str, str], flags: list[str]
) -> tuple[float, dict[str, Any], str]:
    """One fresh process: (wall ms, its report + its CPU ms, stderr)."""
    child_env = {**env, "BENCH_MODE": mode, "BENCH_SYS_PATH": json.dumps(sys_path)}
    cpu_before, started = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(
        [python, "-I", "-S", *flags, "-c", CHILD], env=child_env, capture_output=True, text=True, check=False
    )
    wall_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (_cpu_of_children() - cpu_before) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"cold start ({mode}) failed:\n{done.stderr[-3000:]}")
    return wall_ms, {**json.loads(done.stdout.strip().splitlines()[-1]), "cpu_ms": cpu_ms}, done.stderr


def importtime_breakdown(stderr: str, top: int = 12) -> dict[str, Any]:
    """`-X importtime` output: self time summed by top-level package, and the cumulative time of
    each module the child imported directly (nesting level 0), in ms."""
    by_package: dict[str, float] = defaultdict(float)
    direct: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, self_us, cumulative_us, raw = line.replace("import time:", "|", 1).split("|")
        name = raw.strip()
        by_package[name.split(".")[0]] += int(self_us) / 1000
        if len(raw) - len(raw.lstrip()) <= 1:
            direct[name] = int(cumulative_us) / 1000
    return {
        "total_ms": round(sum(by_package.values()), 1),
        "by_package_ms": {
            n: round(ms, 1) for n, ms in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
        },
        "direct_imports_cumulative_ms": {
            n: round(ms, 1) for n, ms in sorted(direct.items(), key=lambda kv: -kv[1])[:top]
        },
    }


def measure(layout: Layout, function_env: dict[str, str], runs: int, work: Path) -> dict[str, Any]:
    python = sys.executable
    rt = runtime_dir(work / "runtime")
    function_path = [*layout.sys_path, str(rt)] if layout.from_build else layout.sys_path
    baseline_path = [str(rt)] if layout.from_build else layout.sys_path
    env = lambda_env(function_env, layout.sys_path[0])
    # Warm the file-system cache (and nothing else: bytecode writing is off) before sampling.
    _run(python, "function", function_path, env, [])
    _run(python, "baseline", baseline_path, env, [])
    samples: dict[str, list[tuple[float, float, float]]] = {"function": [], "baseline": []}
    for _ in range(runs):  # interleaved, so drift hits both alike
        for mode, path in (("function", function_path), ("baseline", baseline_path)):
            wall, out, _ = _run(python, mode, path, env, [])
            samples[mode].append((wall, out["init_ms"], out["cpu_ms"]))
    _, function_out, function_imports = _run(python, "function", function_path, env, ["-X", "importtime"])
    _, baseline_out, baseline_imports = _run(python, "baseline", baseline_path, env, ["-X", "importtime"])

    def median(mode: str, index: int) -> float:
        return round(statistics.median(s[index] for s in samples[mode]), 1)

    # Minimum of 9: with 5, bursts of the machine still turned differences of 40 ms negative.
    staged = stages(function_path, env, min(9, runs)) if layout.from_build else {}
    return {
        "layout": layout.label,
        "from_build": layout.from_build,
        "sys_path": function_path,
        "python": sys.version.split()[0],
        "runs": runs,
        "cold_start_ms": median("function", 0),
        "cold_start_baseline_ms": median("baseline", 0),
        "init_ms": median("function", 1),
        "baseline_init_ms": median("baseline", 1),
        "cpu_ms": median("function", 2),  # whole process, user + system: robust to a busy machine
        "baseline_cpu_ms": median("baseline", 2),
        "samples_ms": {mode: [round(s[0], 1) for s in v] for mode, v in samples.items()},
        "modules_loaded": {"function": function_out["modules"], "baseline": baseline_out["modules"]},
        # Objects the init phase froze out of every later collection (the handlers' gc.freeze()).
        "frozen_objects": {"function": function_out["frozen"], "baseline": baseline_out["frozen"]},
        "stages_cpu_ms": staged,
        "importtime": {
            "function": importtime_breakdown(function_imports),
            "baseline": importtime_breakdown(baseline_imports),
        },
    }


def tree_kb(path: Path) -> dict[str, Any]:
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return {"kb": round(sum(p.stat().st_size for p in files) / 1024, 1), "files": len(files)}


def artifacts(build_dir: Path) -> dict[str, Any]:
    return {d.name: tree_kb(d) for d in sorted(build_dir.iterdir()) if d.is_dir()}


def work_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-coldstart-"))


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
