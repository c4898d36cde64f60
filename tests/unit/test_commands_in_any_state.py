"""`/withdraw`, `/stop` and `/mydata` answer in the middle of any conversation, on a petition
that has closed: a signing of another petition, or an organizer's broadcast draft."""

from __future__ import annotations

from datetime import timedelta

from core.bot import PetitionBot
from core.states import BroadcastDraft, SigningState
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

CLOSING, OPEN = "dont-run-joe", "second-petition"
PERSON = "7700123000"


def two_petitions(clock: Clock) -> PetitionBot:
    """The example petition closing in an hour (the person is also an organizer), and a
    second one that stays open."""
    base = campaign(organizers=frozenset({f"telegram:{PERSON}"}))
    closing = base.petitions[0].model_copy(update={"closes_at": clock.now + timedelta(hours=1)})
    second = base.petitions[0].model_copy(update={"slug": OPEN, "default": False})
    config = base.model_copy(update={"petitions": (closing, second)})
    return PetitionBot(config, MemoryStore(), clock=clock)


async def signed_then_closed() -> tuple[Chat, MemoryStore]:
    clock = Clock()
    bot = two_petitions(clock)
    chat = Chat(bot, PERSON)
    await chat.sign("Jane Doe", "jane@example.org")
    clock.advance(hours=2)
    assert isinstance(bot.store, MemoryStore)
    return chat, bot.store


async def in_a_signing(chat: Chat) -> None:
    await chat.send(f"/sign {OPEN}")
    await chat.press("Yes, I want")
    await chat.send("Jane Doe")


async def in_a_draft(chat: Chat) -> None:
    await chat.send(f"/broadcast {CLOSING}")
    await chat.send("Thank you all, the petition is closed")


async def test_withdraw_typed_mid_signing_erases_the_signature_of_a_closed_petition() -> None:
    chat, store = await signed_then_closed()
    await in_a_signing(chat)
    assert isinstance(await store.get_conversation("telegram", PERSON), SigningState)
    await chat.send(f"/withdraw {CLOSING}")
    assert "Do you want to withdraw your signature from Don't Run Joe?" in chat.last
    await chat.press("Yes, withdraw")
    assert "is withdrawn and your personal data is erased" in chat.last
    assert await store.count(CLOSING) == 0
    [gone] = await store.signatures_of("telegram", PERSON)
    assert (gone.name, gone.email, gone.withdrawn_at is not None) == (None, None, True)


async def test_withdraw_typed_mid_broadcast_draft_erases_the_signature_of_a_closed_petition() -> (
    None
):
    chat, store = await signed_then_closed()
    await in_a_draft(chat)
    assert isinstance(await store.get_conversation("telegram", PERSON), BroadcastDraft)
    await chat.send(f"/withdraw {CLOSING}")
    await chat.press("Yes, withdraw")
    assert "is withdrawn and your personal data is erased" in chat.last
    assert await store.count(CLOSING) == 0


async def test_stop_mid_signing_and_mid_draft_ends_updates_and_keeps_the_conversation() -> None:
    for begin, kind in ((in_a_signing, SigningState), (in_a_draft, BroadcastDraft)):
        chat, store = await signed_then_closed()
        await begin(chat)
        await chat.send(f"/stop {CLOSING}")
        assert "you will get no more updates about Don't Run Joe" in chat.last
        assert "Your signature still counts" in chat.last
        assert await store.audience_counts(CLOSING) == {}
        assert await store.count(CLOSING) == 1
        assert isinstance(await store.get_conversation("telegram", PERSON), kind)


async def test_mydata_mid_signing_and_mid_draft_shows_the_signature_and_the_conversation() -> None:
    chat, _ = await signed_then_closed()
    await in_a_signing(chat)
    await chat.send("/mydata")
    assert "Petition dont-run-joe: signed" in chat.last
    assert "Email: jane@example.org" in chat.last
    assert f"A signature of {OPEN} you have not finished" in chat.last
    await chat.send("/cancel")
    await in_a_draft(chat)
    await chat.send("/mydata")
    assert "Petition dont-run-joe: signed" in chat.last
    assert "An announcement you are composing" in chat.last
