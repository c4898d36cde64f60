"""/pause and /resume on Telegram: an organizer pauses, a signer half-way through and a new
one are refused with the count, withdrawal keeps working, /resume takes signatures again."""

from __future__ import annotations

import pytest

from core.bot import PetitionBot
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import ORGANIZER_ID, Person

pytestmark = [pytest.mark.timeout(30)]

SLUG = "dont-run-joe"


async def test_a_paused_petition_refuses_signing_on_telegram_until_resumed(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person, bob: Person
) -> None:
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    await alice.sign()
    confirm = await bob.ask("/sign")
    await bob.press(confirm, "Yes, I want to sign")
    await bob.ask("Bob Builder")

    paused = await organizer.ask("/pause")
    assert "is paused" in paused.plain and "1 signature" in paused.plain
    refused = await bob.ask("bob@example.org")  # the next step of his signing
    assert "Signing Don't Run Joe is paused for now" in refused.plain
    assert "It has 1 signature so far." in refused.plain
    assert refused.buttons == []
    assert await core.store.get_conversation("telegram", str(bob.id)) is None
    assert "paused" in (await bob.ask("/sign")).plain
    assert "paused" in (await bob.ask("/petitions")).plain
    assert "already paused" in (await organizer.ask("/pause")).plain

    asked = await alice.ask("/withdraw")
    await alice.press(asked, "Yes, withdraw")
    assert await core.store.count(SLUG) == 0

    assert "takes signatures again" in (await organizer.ask("/resume")).plain
    thanks = await bob.sign(name="Bob Builder", email="bob@example.org")
    assert "Thank you, Bob!" in thanks.plain
    assert await core.store.count(SLUG) == 1
    actions = [entry.action for entry in await core.store.audit_of(f"telegram:{ORGANIZER_ID}")]
    assert [a for a in actions if a.startswith("petition_")] == [
        "petition_paused",
        "petition_resumed",
    ]
