"""A petition's life: signing refused before it opens, while paused and after it closes, at
every step of a signing in progress; withdrawal and opt-out keep working."""

from __future__ import annotations

from datetime import timedelta

from core.bot import PetitionBot
from core.config import CampaignConfig, PetitionLifecycle
from core.lifecycle import Lifecycles
from core.public_feed import PublicFeed
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

ORGANIZER = "900"


def dated(clock: Clock, **dates: object) -> CampaignConfig:
    base = campaign()
    petitions = tuple(p.model_copy(update=dates) for p in base.petitions)
    return base.model_copy(update={"petitions": petitions})


async def test_signing_is_refused_before_the_petition_opens_and_keeps_nothing() -> None:
    clock = Clock()
    store = MemoryStore()
    bot = PetitionBot(dated(clock, opens_at=clock.now + timedelta(days=1)), store, clock=clock)
    chat = Chat(bot)
    await chat.send("/sign")
    assert "opens for signatures on" in chat.last
    assert store.conversations == {}
    await chat.send("/petitions")
    assert "not open yet" in chat.last


async def test_a_petition_that_closes_mid_signing_refuses_and_withdrawal_still_works() -> None:
    clock = Clock()
    store = MemoryStore()
    closes = clock.now + timedelta(hours=1)
    bot = PetitionBot(dated(clock, closes_at=closes), store, clock=clock)
    early, late = Chat(bot, "1"), Chat(bot, "2")
    await early.sign("Jane Doe", "jane@example.org")
    await late.send("/sign")
    await late.press("Yes, I want")
    await late.send("Joe Late")
    clock.advance(hours=2)
    await late.send("joe@example.org")  # the next step is refused, and the name is dropped
    assert "is closed" in late.last and "1 signature" in late.last
    assert store.conversations == {}
    await late.send("12345")
    assert "is closed" not in late.last  # nothing is in progress any more
    await early.send("/withdraw")
    await early.press("Yes, withdraw")
    assert await store.count(campaign().default_petition.slug) == 0
    await late.send("/sign")
    assert "is closed" in late.last and "0 signatures" in late.last


def organized(clock: Clock, store: MemoryStore, **dates: object) -> PetitionBot:
    config = dated(clock, **dates)
    roles = config.roles.model_copy(update={"organizers": frozenset({f"telegram:{ORGANIZER}"})})
    return PetitionBot(config.model_copy(update={"roles": roles}), store, clock=clock)


async def test_a_paused_petition_refuses_every_step_with_its_count_and_keeps_nothing() -> None:
    clock = Clock()
    store = MemoryStore()
    bot = organized(clock, store)
    slug = campaign().default_petition.slug
    organizer, early, late = Chat(bot, ORGANIZER), Chat(bot, "1"), Chat(bot, "2")
    await early.sign("Jane Doe", "jane@example.org")
    await late.send("/sign")
    await late.press("Yes, I want")
    await late.send("Joe Late")
    await organizer.send("/pause")
    assert "is paused" in organizer.last and "1 signature" in organizer.last
    assert [e.action for e in store.audit if e.action.startswith("petition_")] == [
        "petition_paused"
    ]
    await late.send("joe@example.org")
    assert "paused" in late.last and "1 signature" in late.last
    assert ("telegram", "2") not in store.conversations
    for attempt in ("/sign", f"/start {slug}"):
        await late.send(attempt)
        assert "paused" in late.last and "1 signature" in late.last
    await late.press_data(f"sign:{slug}")
    assert "paused" in late.last
    assert store.conversations == {}
    await late.send("/petitions")
    assert "paused" in late.last and "open for signatures" not in late.last
    await late.send("/petition")
    assert "Signing is paused" in late.last and not late.replies[-1].choices
    assert (
        await PublicFeed(bot.campaign, store).snapshot(bot.campaign.petitions[0], clock.now)
    ).status == "paused"
    # Opting out and withdrawing still work.
    await early.send("/stop")
    await early.send("/withdraw")
    await early.press("Yes, withdraw")
    assert await store.count(slug) == 0
    await organizer.send("/pause")
    assert "already paused" in organizer.last
    await organizer.send("/resume")
    assert "takes signatures again" in organizer.last
    await organizer.send("/resume")
    assert "not paused" in organizer.last
    assert [e.action for e in store.audit if e.action.startswith("petition_")] == [
        "petition_paused",
        "petition_resumed",
    ]
    await late.send("/petitions")
    assert "open for signatures" in late.last
    await late.sign("Joe Late", "joe@example.org")
    assert await store.count(slug) == 1


async def test_a_pause_reaches_a_signing_in_progress_in_another_process() -> None:
    clock = Clock()
    store = MemoryStore()  # shared, as one PostgreSQL database is
    first, second = organized(clock, store), organized(clock, store)
    signer = Chat(first, "1")
    await signer.send("/sign")
    await signer.press("Yes, I want")
    await signer.send("Jane Doe")
    await signer.send("jane@example.org")
    await signer.send("12345")
    await signer.press("Yes, keep")
    await Chat(second, ORGANIZER).send("/pause")
    await signer.press("✅ Sign")  # the final confirm
    assert "paused" in signer.last
    assert await store.count(campaign().default_petition.slug) == 0
    assert store.conversations == {}


async def test_only_organizers_pause_and_a_closed_petition_is_not_paused() -> None:
    clock = Clock()
    store = MemoryStore()
    bot = organized(clock, store, closes_at=clock.now - timedelta(hours=1))
    await Chat(bot, "1").send("/pause")
    assert await store.paused_petitions() == {}
    organizer = Chat(bot, ORGANIZER)
    await organizer.send("/pause")
    assert "closed already" in organizer.last
    assert await store.paused_petitions() == {}
    await organizer.send("/pause no-such-petition")
    assert "no-such-petition" in organizer.last


async def test_the_steps_of_a_signing_see_another_process_pause_within_a_second() -> None:
    clock, store = Clock(), MemoryStore()  # one store, two processes' Lifecycles
    seconds = [100.0]
    here, there = Lifecycles(store, lambda: seconds[0]), Lifecycles(store)
    petition = campaign().default_petition
    assert await here.of(petition, clock.now) is PetitionLifecycle.OPEN
    await there.pause(petition, "telegram:1", clock.now)
    # Within a second a step may still see the read it made; what counts never does.
    assert await here.of(petition, clock.now) is PetitionLifecycle.OPEN
    assert await here.of(petition, clock.now, fresh=True) is PetitionLifecycle.PAUSED
    await there.resume(petition, "telegram:1", clock.now)
    seconds[0] += 1.5
    assert await here.of(petition, clock.now) is PetitionLifecycle.OPEN
    await there.pause(petition, "telegram:1", clock.now)
    seconds[0] += 1.5
    assert await here.of(petition, clock.now) is PetitionLifecycle.PAUSED
    # Its own pause and resume are seen at once.
    await here.resume(petition, "telegram:1", clock.now)
    assert await here.of(petition, clock.now) is PetitionLifecycle.OPEN


async def test_sign_while_paused_drops_the_answers_of_a_signing_under_way() -> None:
    clock = Clock()
    store = MemoryStore()
    bot = organized(clock, store)
    organizer, late = Chat(bot, ORGANIZER), Chat(bot, "2")
    await late.send("/sign")
    await late.press("Yes, I want")
    await late.send("Joe Late")
    await organizer.send("/pause")
    await late.send("/sign")  # not a step of the signing: a new attempt, refused as well
    assert "paused" in late.last and "0 signatures" in late.last
    assert store.conversations == {}
