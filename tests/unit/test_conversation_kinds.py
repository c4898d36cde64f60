"""Signing, withdrawal and broadcast draft are three kinds of conversation, each its own type."""

from __future__ import annotations

from typing import get_args

from core.bot import PetitionBot
from core.config import CampaignConfig
from core.states import (
    BroadcastDraft,
    ConversationState,
    ExpiredState,
    SigningState,
    WithdrawalState,
)
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

SLUG, SECOND = "dont-run-joe", "second-petition"
ORGANIZER = "telegram:9"


def two_petitions() -> CampaignConfig:
    """The example campaign with a second petition; the first stays the default."""
    base = campaign(organizers=frozenset({ORGANIZER}))
    second = base.petitions[0].model_copy(update={"slug": SECOND, "default": False})
    return base.model_copy(update={"petitions": (*base.petitions, second)})


def without_the_first(config: CampaignConfig) -> CampaignConfig:
    """The same campaign after the organizers removed its default petition."""
    rest = tuple(p.model_copy(update={"default": True}) for p in config.petitions[1:])
    return config.model_copy(update={"petitions": rest})


def test_every_kind_of_conversation_has_a_machine() -> None:
    bot = PetitionBot(campaign(), MemoryStore())
    [union, _] = get_args(ConversationState)
    # An expired one's mark is never continued: loading it tells the person, and drops it.
    assert bot.conversations.kinds == frozenset(get_args(union)) - {ExpiredState}
    assert set(get_args(union)) == {SigningState, WithdrawalState, BroadcastDraft, ExpiredState}


async def test_each_kind_is_stored_as_its_own_type() -> None:
    store = MemoryStore()
    bot = PetitionBot(campaign(organizers=frozenset({ORGANIZER})), store, clock=Clock())
    signer, organizer = Chat(bot, "1"), Chat(bot, "9")
    await signer.send("/sign")
    assert isinstance(await store.get_conversation("telegram", "1"), SigningState)
    await signer.press("Cancel")
    await signer.sign("Jane Doe", "jane@example.org")
    await signer.send("/withdraw")
    assert isinstance(await store.get_conversation("telegram", "1"), WithdrawalState)
    await organizer.send("/broadcast Rally on Saturday")
    draft = await store.get_conversation("telegram", "9")
    assert isinstance(draft, BroadcastDraft) and draft.text == "Rally on Saturday"
    assert "petition" not in store.conversations["telegram", "9"]


async def test_a_broadcast_draft_expires_after_the_idle_timeout() -> None:
    store, clock = MemoryStore(), Clock()
    bot = PetitionBot(campaign(organizers=frozenset({ORGANIZER})), store, clock=clock)
    organizer = Chat(bot, "9")
    await organizer.send("/broadcast Rally on Saturday")
    clock.advance(hours=25)
    await organizer.press("Signers of Don't Run Joe")
    assert "expired after a long pause" in organizer.last
    assert store.conversations == {} and await store.recent_broadcasts(10) == []


async def test_a_broadcast_draft_outlives_the_removal_of_the_default_petition() -> None:
    store, clock = MemoryStore(), Clock()
    before = two_petitions()
    organizer = Chat(PetitionBot(before, store, clock=clock), "9")
    await organizer.send("/broadcast Rally on Saturday")
    organizer.bot = PetitionBot(without_the_first(before), store, clock=clock)  # restarted
    await organizer.press_data(organizer.replies[-1].choices[1][0].data)  # the second petition
    assert organizer.last.startswith("Preview of broadcast #1")
    await organizer.press("📣 Confirm")
    assert "#1 confirmed" in organizer.last


async def test_a_signing_or_withdrawal_of_a_removed_petition_is_set_aside() -> None:
    store, clock = MemoryStore(), Clock()
    before = two_petitions()
    bot = PetitionBot(before, store, clock=clock)
    signer, withdrawer = Chat(bot, "1"), Chat(bot, "2")
    await signer.send(f"/sign {SLUG}")
    await signer.press("Yes, I want")
    await withdrawer.sign("Jane Doe", "jane@example.org")
    await withdrawer.send(f"/withdraw {SLUG}")
    after = PetitionBot(without_the_first(before), store, clock=clock)
    for chat in (signer, withdrawer):
        chat.bot = after
        await chat.send("Jane Doe")
        assert chat.last.startswith("I did not understand that")
        await chat.send("/cancel")
        assert chat.last == "There is nothing to cancel."


async def test_mydata_names_an_unconfirmed_withdrawal() -> None:
    bot = PetitionBot(campaign(), MemoryStore(), clock=Clock())
    chat = Chat(bot)
    await chat.sign("Jane Doe", "jane@example.org")
    await chat.send("/withdraw")
    await chat.send("/mydata")
    assert "A withdrawal from dont-run-joe you have not confirmed yet" in chat.last
    assert "A signature of dont-run-joe you have not finished" not in chat.last


async def test_a_form_sent_into_a_withdrawal_or_a_draft_is_a_stale_button() -> None:
    bot = PetitionBot(campaign(organizers=frozenset({ORGANIZER})), MemoryStore(), clock=Clock())
    withdrawer, organizer = Chat(bot, "1"), Chat(bot, "9")
    await withdrawer.sign("Jane Doe", "jane@example.org")
    await withdrawer.send("/withdraw")
    await organizer.send("/broadcast")
    for chat in (withdrawer, organizer):
        nonce = chat.replies[-1].choices[0][0].data.split(":")[0]
        await chat.submit(f"{nonce}:form", name="Jane Doe")
        assert chat.last.startswith("That button belongs to a conversation that has ended")
    await withdrawer.press("Yes, withdraw")
    assert "is withdrawn" in withdrawer.last
