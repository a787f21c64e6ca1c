"""`sam build` works without Docker and ships Python 3.13 bytecode and cp313 wheels."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"


def test_sam_build_ships_precompiled_313_bytecode(tmp_path: Path) -> None:
    sam = shutil.which("sam", path=f"{VENV_BIN}:{os.environ.get('PATH', '')}")
    assert sam, "sam (aws-sam-cli) is installed by requirements-dev.txt"
    build = tmp_path / "build"
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "SAM_CLI_TELEMETRY": "0"}

    done = subprocess.run(
        [sam, "build", "--template", str(ROOT / "template.yaml"), "--build-dir", str(build)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (build / "ReassignFunction" / "__pycache__" / "app.cpython-313.pyc").exists()
    assert (build / "AuthorizerFunction" / "__pycache__" / "app.cpython-313.pyc").exists()
    core = build / "CoreLayer" / "python" / "reassign_core"
    assert (core / "__pycache__" / "service.cpython-313.pyc").exists()
    deps = build / "DepsLayer" / "python"
    assert list((deps / "pydantic_core").glob("_pydantic_core.cpython-313-x86_64-linux-gnu.so"))
    assert list((deps / "aws_lambda_powertools" / "__pycache__").glob("*.cpython-313.pyc"))
    assert not (deps / "boto3").exists(), "boto3 comes from the Lambda runtime"
    assert not list(core.rglob("test_*.py"))
