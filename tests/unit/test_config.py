"""Loading the configuration: every problem named with its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bots.config import ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def example() -> dict:
    with EXAMPLE.open("rb") as handle:
        return tomllib.load(handle)


def test_the_example_campaign_is_valid() -> None:
    config = load_config(EXAMPLE)
    petition = config.campaign.default_petition
    assert petition.slug == "dont-run-joe" and petition.goal == 100_000
    assert "not running for President in 2024" in petition.statement


def test_problems_are_listed_with_their_key_paths() -> None:
    data = example()
    data["petitions"][0]["goal"] = 0
    data["petitions"][0]["slug"] = "Not A Slug"
    data["petitions"][0]["colour"] = "red"
    data["roles"]["moderators"] = ["alice"]
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    problems = "\n".join(caught.value.problems)
    assert "petitions[0].goal: must be > 0" in problems
    assert "petitions[0].slug: use 1-32 lowercase letters" in problems
    assert "petitions[0].colour: is not a known setting" in problems
    assert "roles.moderators: 'alice' should look like" in problems


def test_missing_required_keys_are_named() -> None:
    data = example()
    del data["petitions"][0]["statement"]
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "petitions[0].statement: is required" in caught.value.problems


def test_duplicate_slugs_and_two_defaults_are_refused() -> None:
    data = example()
    data["petitions"].append(dict(data["petitions"][0]))
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert any("unique" in p for p in caught.value.problems)


def test_config_lookup_prefers_the_environment_over_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "chosen.toml"
    chosen.write_bytes(EXAMPLE.read_bytes().replace(b"goal = 100000", b"goal = 7"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PETITION_BOT_CONFIG", str(chosen))
    assert load_config().petitions[0].goal == 7
    monkeypatch.delenv("PETITION_BOT_CONFIG")
    assert load_config().petitions[0].goal == 100_000  # no ./config.toml: the bundled example


def test_invalid_toml_is_reported_not_raised(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[petitions]\nslug = ", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(broken)
    assert "not valid TOML" in caught.value.problems[0]


def test_broadcast_rates_from_the_file_reach_the_core_and_defaults_stay() -> None:
    data = example()
    data["broadcasts"] = {"rates": {"telegram": 200}, "max_attempts": 5}
    broadcasts = parse_config(data).campaign.broadcasts
    assert broadcasts.rate("telegram") == 200
    assert broadcasts.rate("discord") == 5  # the shipped default for a platform not listed
    assert broadcasts.max_attempts == 5
    assert load_config(EXAMPLE).campaign.broadcasts.rate("telegram") == 25
