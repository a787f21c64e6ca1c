"""`make deploy`: guided the first time per environment, from samconfig.toml afterwards."""

from __future__ import annotations

from pathlib import Path

from local.deploy import deploy_commands, main

REPO = Path(__file__).resolve().parents[2]


def test_the_repository_config_asks_the_first_time() -> None:
    commands, note = deploy_commands("sam", REPO / "samconfig.toml", "prod")
    assert commands == [
        ["sam", "build", "--config-env", "prod"],
        ["sam", "deploy", "--config-env", "prod", "--guided"],
    ]
    assert "First deployment of 'prod'" in note and "make deploy ENV=prod" in note


def test_a_saved_region_deploys_without_questions(tmp_path: Path) -> None:
    config = tmp_path / "samconfig.toml"
    config.write_text('version = 0.1\n[prod.deploy.parameters]\nstack_name = "s"\nregion = "eu-west-1"\n')

    commands, note = deploy_commands("/v/sam", config, "prod")

    assert commands[-1] == ["/v/sam", "deploy", "--config-env", "prod"]
    assert "eu-west-1" in note
    assert deploy_commands("/v/sam", config, "dev")[0][-1][-1] == "--guided"  # dev has no region yet
    assert deploy_commands("/v/sam", config, "prod", guided=True)[0][-1][-1] == "--guided"


def test_an_unknown_environment_is_refused_before_anything_runs() -> None:
    assert main(["--env", "staging", "--sam", "/nonexistent/sam"]) == 2
