"""The message catalog: every key the code uses exists, and organizers can override wording."""

from __future__ import annotations

import re
from pathlib import Path

from core.bot import PetitionBot
from core.catalog import Catalog
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
    for key in templated:  # ask_{field}, command_{command}: every one must have its message
        names = commands if "{command}" in key else ["name", "email", "postal_code"]
        for name in names:
            assert re.sub(r"\{[^}]+\}", name, key) in keys


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
