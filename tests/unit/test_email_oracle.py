"""Nobody can learn from the bot whether a given email address signed a petition.

Two worlds that differ only in whether the victim's address already signed must look the same
to an attacker who signs with that address, message for message, button for button.
"""

from __future__ import annotations

import re

import pytest

from core.bot import PetitionBot
from core.messages import Capabilities, Outbound
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import FORMS, TERMINAL, Chat, Clock, campaign

SLUG = "dont-run-joe"
VICTIM = "jane@example.org"


def transcript(replies: list[Outbound]) -> str:
    """Every reply as data, with each conversation's random nonce replaced by a fixed word."""
    text = repr([reply.model_dump() for reply in replies])
    for nonce in set(re.findall(r"'(?:data|form_id)': '([A-Za-z0-9_-]{8}):", text)):
        text = text.replace(nonce, "NONCE")
    return text


async def attacker_signs_with(bot: PetitionBot, caps: Capabilities, email: str) -> Chat:
    attacker = Chat(bot, "666", platform="discord" if caps.native_forms else "telegram", caps=caps)
    await attacker.send("/sign")
    await attacker.press("Yes, I want")
    if caps.native_forms:
        await attacker.submit(
            attacker.last_form_id, name="Mallory Doe", email=email, postal_code="12345"
        )
    else:
        await attacker.send("Mallory Doe")
        await attacker.send(email)
        await attacker.send("12345")
    await attacker.press("Yes, keep")
    await attacker.press("✅ Sign")
    return attacker


async def world(victim_email: str, caps: Capabilities) -> tuple[MemoryStore, Chat, Chat]:
    """The victim signs with ``victim_email``, then the attacker signs with the victim's address."""
    store, clock = MemoryStore(), Clock()
    bot = PetitionBot(campaign(), store, clock=clock)
    victim = Chat(bot, "1")
    await victim.sign("Jane Doe", victim_email)
    attacker = await attacker_signs_with(bot, caps, VICTIM)
    return store, victim, attacker


@pytest.mark.parametrize("caps", [TERMINAL, FORMS], ids=["one-question-at-a-time", "form"])
async def test_signing_with_an_address_that_signed_looks_exactly_like_a_new_signature(
    caps: Capabilities,
) -> None:
    signed_store, _, duplicate = await world(VICTIM, caps)  # the address had signed
    new_store, _, fresh = await world("someone.else@example.org", caps)  # it had not
    assert len(signed_store.signatures) == 1 and len(new_store.signatures) == 2
    assert transcript(duplicate.replies) == transcript(fresh.replies)
    assert not any("already" in reply.text.to_plain_text() for reply in duplicate.replies)
    assert "Thank you, Mallory!" in duplicate.last


async def test_the_email_step_moves_on_even_for_an_address_that_signed() -> None:
    store, clock = MemoryStore(), Clock()
    bot = PetitionBot(campaign(), store, clock=clock)
    await Chat(bot, "1").sign("Jane Doe", VICTIM)
    attacker = Chat(bot, "2")
    await attacker.send("/sign")
    await attacker.press("Yes, I want")
    await attacker.send("Mallory Doe")
    [asked_zip] = await attacker.send(VICTIM.upper())
    assert "ZIP code" in asked_zip.text.to_plain_text()


async def test_the_address_counts_once_and_its_own_account_still_sees_its_signature() -> None:
    store, victim, attacker = await world(VICTIM, TERMINAL)
    assert [s.user_id for s in store.signatures] == ["1"]
    await victim.send("/status")
    assert "You signed Don't Run Joe" in victim.last
    await victim.send("/mydata")
    assert VICTIM in victim.last
    await attacker.send("/status")  # the residue without email confirmation (README)
    assert "You have not signed" in attacker.last
