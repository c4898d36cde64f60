"""Loading the configuration: every problem named with its key."""

from __future__ import annotations

import tomllib
from datetime import timedelta
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
    assert "roles.moderators[0]: 'alice' should look like" in problems  # the entry's index


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


@pytest.mark.parametrize(
    ("table", "key", "value", "problem"),
    [
        (
            "conversation",
            "idle_timeout_hours",
            float("inf"),
            "at most 720 hours (30 days), not inf",
        ),
        (
            "conversation",
            "idle_timeout_hours",
            float("nan"),
            "at most 720 hours (30 days), not nan",
        ),
        ("conversation", "idle_timeout_hours", 1e12, "must be > 0 and at most 720 hours"),
        ("conversation", "idle_timeout_hours", 0, "must be > 0 and at most 720 hours"),
        ("broadcasts", "default_rate", float("inf"), "at most 1000 messages per second"),
        ("broadcasts", "progress_interval_seconds", 1e12, "from 1 to 3600 seconds (1 hour)"),
        ("broadcasts", "max_attempts", 11, "must be from 1 to 10, not 11"),
        ("broadcasts", "max_length", 5000, "must be from 1 to 4000, not 5000"),
        ("telegram", "port", 70000, "must be from 1 to 65535, not 70000"),
        (
            "alerts",
            "signatures_per_hour",
            0,
            "must be from 1 to 1,000,000 signatures (enabled = false turns alerts off), not 0",
        ),
        ("alerts", "check_interval_seconds", -1, "from 0 to 3600 seconds (1 hour), not -1"),
        ("petitions", "goal", 1e12, "must be > 0 and at most 1,000,000,000, not 1,000,000,000,000"),
        ("petitions", "goal", True, "must be a number > 0 and at most 1,000,000,000, not True"),
        ("petitions", "retention_days_after_close", 4000, "from 0 to 3650 days (10 years)"),
        ("conversation", "sweep_interval_minutes", 0, "must be > 0 and at most 1440 minutes"),
    ],
)
def test_every_number_is_bounded_and_the_message_names_key_and_range(
    table: str, key: str, value: object, problem: str
) -> None:
    data = example()
    if table == "petitions":
        data["petitions"][0][key] = value
    else:
        data.setdefault(table, {})[key] = value
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    path = "petitions[0]" if table == "petitions" else table
    assert [p for p in caught.value.problems if p.startswith(f"{path}.{key}: ")], caught.value
    assert problem in "\n".join(caught.value.problems)


def test_every_broadcast_rate_is_bounded() -> None:
    data = example()
    data["broadcasts"]["rates"] = {"telegram": float("inf"), "discord": 0, "console": 2}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert caught.value.problems == [
        "broadcasts.rates.telegram: must be > 0 and at most 1000 messages per second, not inf",
        "broadcasts.rates.discord: must be > 0 and at most 1000 messages per second, not 0",
    ]


def test_every_problem_is_reported_in_one_run_with_its_full_key_path() -> None:
    data = example()
    second = dict(data["petitions"][0], messages={"ask_updatez": "Keep you posted?"})
    third = dict(data["petitions"][0], slug="another", default="yes")
    data["petitions"] += [second, third]
    data["petitions"][0]["goal"] = float("inf")
    data["roles"]["moderators"] = ["console:moderator", "alice", "telegram:12", "bob"]
    data["broadcasts"]["rates"] = {"telegram": -1, "discord": float("nan")}
    data["storage"]["url"] = "postgres://x"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    problems = caught.value.problems
    expected = [
        "petitions[0].goal: must be > 0 and at most 1,000,000,000, not inf",
        "petitions[1].messages.ask_updatez: is not a message of core/locales/en.toml"
        " (did you mean ask_updates?)",
        'petitions[1].slug: "dont-run-joe" is used by petitions[0] too (slugs must be unique)',
        "petitions[1].default: only one petition may have default = true (petitions[0] has it)",
        "petitions[2].default: must be true or false (without quotes), not 'yes'",
        "roles.moderators[1]: 'alice' should look like 'telegram:123456' or 'console:alice'",
        "roles.moderators[3]: 'bob' should look like 'telegram:123456' or 'console:alice'",
        "broadcasts.rates.telegram: must be > 0 and at most 1000 messages per second, not -1",
        "broadcasts.rates.discord: must be > 0 and at most 1000 messages per second, not nan",
        "storage.url: 'postgres://x' names no database: postgresql://user@host:port/database",
    ]
    assert problems == expected  # all of them, in the order of the file
    assert not [p for p in problems if p.startswith("config:")]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://joe:hunter2@db.example/", "names no database"),
        ("postgresql://joe:hunter2@db.example:port/petitions", "is not a valid URL"),
        ("mysql://root:hunter2@db.example/petitions", "is not supported: use sqlite:///"),
        ("sqlite:///", "names no database file"),
        ("sqlite:///:memory:", "names no database file"),
    ],
)
def test_only_urls_a_store_can_open_pass_and_the_password_is_masked(url: str, problem: str) -> None:
    data = example()
    data["storage"]["url"] = url
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (message,) = caught.value.problems
    assert message.startswith("storage.url: ") and problem in message
    assert "hunter2" not in str(caught.value)
    if "@" in url:
        assert "joe:***@db.example" in message or "root:***@db.example" in message


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///petition.db",
        "postgresql://petitions@db.example:5432/petitions",
        "postgres://db.example/petitions?sslmode=require",
    ],
)
def test_sqlite_and_postgresql_urls_are_accepted(url: str) -> None:
    data = example()
    data["storage"]["url"] = url
    assert parse_config(data).storage.url == url


def test_booleans_are_strict() -> None:
    for table, key in (("telegram", "enabled"), ("discord", "enabled")):
        data = example()
        data[table][key] = "yes"
        with pytest.raises(ConfigError) as caught:
            parse_config(data)
        assert caught.value.problems == [
            f"{table}.{key}: must be true or false (without quotes), not 'yes'"
        ]


def test_alerts_reach_the_core_and_are_on_unless_turned_off_in_words() -> None:
    assert load_config(EXAMPLE).campaign.alerts.signatures_per_hour == 200
    data = example() | {"alerts": {"signatures_per_hour": 50}}
    assert parse_config(data).campaign.alerts.signatures_per_hour == 50
    assert parse_config(data).campaign.alerts.enabled
    off = example() | {"alerts": {"enabled": False}}
    assert not parse_config(off).campaign.alerts.enabled


def test_several_dispatchers_share_each_platforms_rate() -> None:
    data = example()
    data["broadcasts"]["rates"] = {"telegram": 30}
    data["broadcasts"]["dispatchers"] = 3
    broadcasts = parse_config(data).campaign.broadcasts
    assert broadcasts.rate("telegram") == 10  # three processes: 30 a second together
    data["broadcasts"]["dispatchers"] = 0
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert caught.value.problems[0].startswith("broadcasts.dispatchers: must be")


def test_a_retention_without_a_closing_date_is_named() -> None:
    data = example()
    data["petitions"][0]["retention_days_after_close"] = 90
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "retention_days_after_close needs closes_at" in "\n".join(caught.value.problems)
    data["petitions"][0]["closes_at"] = tomllib.loads("t = 2027-03-01T00:00:00Z")["t"]
    petition = parse_config(data).campaign.default_petition
    assert petition.purge_due_at() == petition.closes_at + timedelta(days=90)


def test_the_example_campaign_ships_its_spanish_texts() -> None:
    petition = load_config(EXAMPLE).campaign.default_petition
    spanish = petition.in_language("es")
    assert spanish.title == "No te presentes, Joe" and spanish.slug == petition.slug
    assert spanish.consent_version == "2026-11-v1-es" and petition.consent_language("es") == "es"
    assert spanish.goal == petition.goal and spanish.site_url == petition.site_url
    assert petition.in_language("en") == petition


def test_a_translation_leaves_out_what_falls_back_to_the_default_language() -> None:
    data = example()
    data["petitions"][0]["translations"] = {"es": {"title": "Título"}}
    petition = parse_config(data).campaign.default_petition
    spanish = petition.in_language("es")
    assert (spanish.title, spanish.pitch) == ("Título", petition.pitch)
    assert spanish.consent_text == petition.consent_text
    assert petition.consent_language("es") == "en"  # the English consent text was shown


def test_translation_problems_are_named_with_their_keys() -> None:
    data = example()
    data["petitions"][0]["messages"] = {"count": "{title}: {count:signatures} and {oops}"}
    data["petitions"][0]["translations"] = {
        "es": {"messages": {"count": "**{title}**: {count:signatures}."}},
        "xx": {"title": "X"},
        "en": {"title": "Same"},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    problems = "\n".join(caught.value.problems)
    assert "petitions[0].messages: count: {oops} is not filled in this message" in problems
    assert (
        "petitions[0].translations.es.messages: count: lacks {goal}, {percent},"
        " which the English message says"
    ) in problems
    assert (
        "petitions[0].translations.xx: 'xx' is not a shipped language (core/locales has en, es)"
    ) in problems


def test_a_translated_consent_text_needs_its_own_version() -> None:
    data = example()
    data["petitions"][0]["translations"] = {"es": {"consent_text": "Texto"}}
    data["petitions"][1:] = []
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "consent_text and consent_version go together" in "\n".join(caught.value.problems)
    data["petitions"][0]["translations"] = {"es": {"title": "T"}}
    data["petitions"][0]["language"] = "es"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "translations.es is the petition's own language" in "\n".join(caught.value.problems)
