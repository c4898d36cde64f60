"""The message catalog: every key the code uses exists, and organizers can override wording."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest
from babel import Locale

from core.bot import PetitionBot
from core.broadcasts.models import BroadcastStatus, DeliveryState
from core.catalog import Catalog
from core.config import FieldName
from core.prompts import FIELD_TEXTS, field_key
from core.reports import percent
from core.roles import Role
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, campaign

ROOT = Path(__file__).parents[2]
KEY_USE = re.compile(r"""(?:say|text|choice|render)\(\s*f?["']([a-z_{}.]+)["']""")


def test_every_message_key_used_in_the_code_is_in_the_english_catalog() -> None:
    keys = Catalog.load().keys
    used = set()
    for path in (ROOT / "core").rglob("*.py"):
        used |= set(KEY_USE.findall(path.read_text(encoding="utf-8")))
    fixed = {key for key in used if "{" not in key}
    templated = {key for key in used if "{" in key}
    assert fixed and fixed <= keys, sorted(fixed - keys)
    commands = PetitionBot(campaign(), MemoryStore()).commands_for(Role.ORGANIZER)
    filled_by = {
        "{command}": commands,
        "{delivery.state}": list(DeliveryState),
        "{broadcast.status.value}": [status.value for status in BroadcastStatus],
    }
    for key in templated:  # command_{command}, ...: every one must have its message
        names = next(values for part, values in filled_by.items() if part in key)
        for name in names:
            assert re.sub(r"\{[^}]+\}", name, key) in keys


def test_every_field_has_each_of_its_texts_in_and_outside_the_us() -> None:
    keys = Catalog.load().keys
    for kind, field, country in product(FIELD_TEXTS, FieldName, ("US", "DE")):
        assert field_key(kind, field, country) in keys


async def test_a_petition_can_reword_any_message() -> None:
    base = campaign()
    petition = base.petitions[0].model_copy(update={"messages": {"ask_name": "Your name, pal?"}})
    bot = PetitionBot(base.model_copy(update={"petitions": (petition,)}), MemoryStore())
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    assert chat.last == "Your name, pal?"


def test_unknown_languages_fall_back_to_english() -> None:
    catalog = Catalog.load()
    assert catalog.template("cancelled", "xx-YY") == catalog.template("cancelled")


PLURAL_USE = re.compile(r"\{\w+:(\w+)\}")


def test_every_plural_phrase_has_the_forms_its_language_needs() -> None:
    catalog = Catalog.load()
    assert catalog.plural_phrases("en"), "the English catalog has plural phrases"
    for language in catalog.languages:
        needed = Locale.parse(language).plural_form.tags | {"other"}
        for name, forms in catalog.plural_phrases(language).items():
            assert needed <= set(forms), f"{language}.{name} lacks {sorted(needed - set(forms))}"


def test_every_plural_phrase_a_message_names_exists() -> None:
    catalog = Catalog.load()
    english = catalog.plural_phrases("en")
    for language in catalog.languages:
        for key in catalog.keys:
            for name in PLURAL_USE.findall(catalog.template(key, language)):
                assert name in catalog.plural_phrases(language) or name in english, (key, name)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 signatures"), (1, "1 signature,"), (2, "2 signatures"), (1000, "1,000 signatures")],
)
def test_counts_agree_with_their_number(count: int, expected: str) -> None:
    text = Catalog.load().render("count", title="T", count=count, percent=0, goal=10)
    assert expected in text.to_plain_text()


def test_a_new_language_brings_its_own_plural_forms_without_code(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text((ROOT / "core/locales/en.toml").read_text("utf-8"), "utf-8")
    (tmp_path / "es.toml").write_text(
        'firmas = { one = "{n} firma", many = "{n} de firmas", other = "{n} firmas" }\n'
        'count = "**{title}**: {count:firmas}."\n',
        "utf-8",
    )
    catalog = Catalog.load(tmp_path)
    said = {
        n: catalog.render("count", "es-MX", title="T", count=n).to_plain_text()
        for n in (1, 2, 1_000_000)
    }
    assert said == {1: "T: 1 firma.", 2: "T: 2 firmas.", 1_000_000: "T: 1.000.000 de firmas."}
    # A phrase the language lacks comes from English, with English's rule.
    assert (
        catalog.render("export_ready", "es", title="T", rows=1)
        .to_plain_text()
        .startswith("T: 1 signature exported")
    )


PLACEHOLDER = re.compile(r"\{(\w+)(?::\w+)?\}")


def _placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def test_spanish_ships_beside_english() -> None:
    assert {"en", "es"} <= Catalog.load().languages


@pytest.mark.parametrize("language", sorted(Catalog.load().languages - {"en"}))
def test_every_catalog_has_every_english_key_with_the_same_placeholders(language: str) -> None:
    catalog = Catalog.load()
    own = catalog.messages_of(language)
    assert set(own) == catalog.keys, (
        f"missing {sorted(catalog.keys - set(own))}, unknown {sorted(set(own) - catalog.keys)}"
    )
    for key in catalog.keys:
        assert _placeholders(own[key]) == _placeholders(catalog.template(key)), key
    english = catalog.plural_phrases("en")
    assert set(catalog.plural_phrases(language)) == set(english)
    needed = Locale.parse(language).plural_form.tags | {"other"}
    for name, forms in catalog.plural_phrases(language).items():
        assert set(forms) == needed, (name, sorted(forms))
        wanted = set().union(*(_placeholders(text) for text in english[name].values()))
        for form, text in forms.items():
            assert _placeholders(text) <= wanted | {"n"}, (name, form)


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 0, "T: 0 signatures,"),
        ("en", 1, "T: 1 signature,"),
        ("en", 2, "T: 2 signatures,"),
        ("en", 1_000_000, "T: 1,000,000 signatures,"),
        ("es", 0, "T: 0 firmas,"),
        ("es", 1, "T: 1 firma,"),
        ("es", 2, "T: 2 firmas,"),
        ("es", 1_000_000, "T: 1.000.000 de firmas,"),
        ("es-ES", 100_000, "T: 100.000 firmas,"),
        ("en-US", 100_000, "T: 100,000 signatures,"),
    ],
)
def test_shipped_plurals_and_numbers_read_right(language: str, count: int, expected: str) -> None:
    said = Catalog.load().render("count", language, title="T", count=count, percent=0, goal=10)
    assert said.to_plain_text().startswith(expected)


def test_a_percentage_is_written_as_the_language_writes_decimals() -> None:
    catalog = Catalog.load()
    values = {"title": "T", "count": 425, "percent": percent(425, 1000), "goal": 1000}
    assert "42.5% of the goal of 1,000" in catalog.render("count", "en", **values).to_plain_text()
    assert (
        "el 42,5 % del objetivo de 1.000" in catalog.render("count", "es", **values).to_plain_text()
    )
