"""`make deploy [ENV=dev|prod]`: build, then deploy with the project's SAM CLI (the one in .venv).

The first deployment of an environment is guided: SAM asks for the region (and confirms the stack
name) and saves the answers to samconfig.toml; later ones deploy from that configuration.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

ENVIRONMENTS = ("dev", "prod")


def saved_region(samconfig: Path, env: str) -> str | None:
    """The region a previous guided deployment saved for `env`, if any."""
    try:
        config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    region = config.get(env, {}).get("deploy", {}).get("parameters", {}).get("region")
    return region if isinstance(region, str) and region else None


def deploy_commands(sam: str, samconfig: Path, env: str, guided: bool = False) -> tuple[list[list[str]], str]:
    """(the commands to run, a line saying what happens)."""
    build = [sam, "build", "--config-env", env]
    deploy = [sam, "deploy", "--config-env", env]
    region = saved_region(samconfig, env)
    if guided or region is None:
        note = (
            f"First deployment of '{env}': SAM asks for the AWS region and confirms the stack name, then "
            f"saves them to {samconfig.name}; later 'make deploy ENV={env}' runs without questions."
            if region is None
            else f"Guided deployment of '{env}': the answers are saved to {samconfig.name}."
        )
        return [build, [*deploy, "--guided"]], note
    return [build, deploy], f"Deploying '{env}' to {region} (from {samconfig.name})."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--sam", default="sam", help="the SAM CLI to run")
    parser.add_argument("--samconfig", type=Path, default=Path("samconfig.toml"))
    parser.add_argument("--guided", action="store_true", help="ask again, even if a region is saved")
    args = parser.parse_args(argv)
    if args.env not in ENVIRONMENTS:
        print(f"make deploy: unknown ENV={args.env}; use one of: {', '.join(ENVIRONMENTS)}", file=sys.stderr)
        return 2
    commands, note = deploy_commands(args.sam, args.samconfig, args.env, args.guided)
    print(note, flush=True)
    for command in commands:
        if subprocess.run(command, check=False).returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
