"""Every command the deployment files run is a valid `petition-bot` invocation."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
import yaml

from bots.cli import main
from bots.platforms import ROLES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose_commands() -> list[list[str]]:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    return [service["command"] for service in services.values() if "build" in service]


def unit_commands() -> list[list[str]]:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string((DEPLOY / "petition-bot@.service").read_text(encoding="utf-8"))
    lines = [unit["Service"]["ExecStartPre"], unit["Service"]["ExecStart"]]
    return [shlex.split(line.replace("%i", role)) for line in lines for role in ROLES]


def _check(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert Path(command[0]).name == "petition-bot", command
    with pytest.raises(SystemExit) as exited:
        main([*command[1:], "--help"])
    assert exited.value.code == 0, (command, capsys.readouterr().err)


def test_the_compose_file_runs_postgresql_two_telegram_workers_two_discord_shards_a_dispatcher(
    capsys: pytest.CaptureFixture[str],
) -> None:
    commands = compose_commands()
    roles = sorted(c[c.index("--only") + 1] for c in commands if "--only" in c)
    assert roles == ["discord", "discord", "dispatcher", "telegram", "telegram"]
    shards = sorted(c[c.index("--shard-ids") + 1] for c in commands if "--shard-ids" in c)
    assert shards == ["0", "1"]  # each Discord process its own shard of the same total
    assert commands[0][:2] == ["petition-bot", "migrate"]
    for command in commands:
        _check(command, capsys)
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    assert services["db"]["image"].startswith("postgres:")


def test_the_systemd_unit_runs_a_valid_command_for_every_role(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in unit_commands():
        _check(command, capsys)
