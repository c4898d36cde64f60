"""When a purge anonymises a petition, what it says per petition, and what it audits."""

from __future__ import annotations

from datetime import timedelta

from bots.purge_command import report_lines
from core.bot import PetitionBot
from core.config import CampaignConfig
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

SLUG = "dont-run-joe"


def closing(clock: Clock, **retention: object) -> CampaignConfig:
    base = campaign()
    dates = {"closes_at": clock.now + timedelta(days=1), **retention}
    petition = base.petitions[0].model_copy(update=dates)
    return base.model_copy(update={"petitions": (petition,)})


async def test_a_petition_is_anonymised_once_its_retention_after_closing_is_over() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(closing(clock, retention_days_after_close=30), store, clock=clock)
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    clock.advance(days=30, hours=23)  # closed 29 days and 23 hours ago
    early = await bot.retention.purge("cli:organizer")
    assert early.petitions[0].anonymised == 0
    assert report_lines(early, clock.now)[1] == (
        f"  {SLUG}: kept until 2026-12-31 12:00 UTC; 0 expired pending signatures erased."
    )
    clock.advance(hours=1)
    dry = await bot.retention.purge("cli:organizer", dry_run=True)
    assert report_lines(dry, clock.now)[:2] == [
        "Dry run: nothing was changed.",
        f"  {SLUG}: 1 signature would be anonymised; 0 expired pending signatures would be erased.",
    ]
    assert store.audit == [] and store.signatures[0].email == "jane@example.org"
    done = await bot.retention.purge("cli:organizer")
    assert done.petitions[0].anonymised == 1
    assert await store.count(SLUG) == 1
    [entry] = store.audit
    assert (entry.actor, entry.action, entry.petition) == ("cli:organizer", "purge", SLUG)
    assert entry.detail == "1 anonymised, 0 expired pending"


async def test_a_petition_without_a_retention_is_kept_and_the_purge_says_how_to_set_it() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(closing(clock), store, clock=clock)
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    clock.advance(days=400)
    report = await bot.retention.purge("cli:organizer")
    line = report_lines(report, clock.now)[1]
    assert "kept (set closes_at and retention_days_after_close" in line
    assert store.signatures[0].email == "jane@example.org" and store.audit == []


async def test_the_sweep_never_anonymises_it_only_erases_what_expired() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(closing(clock, retention_days_after_close=0), store, clock=clock)
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    half = Chat(bot, "2")
    await half.send("/sign")
    await half.press("Yes, I want")
    await half.send("Joe Half")
    clock.advance(days=2)
    swept = await bot.retention.sweep()
    assert (swept.petitions[0].anonymised, swept.conversations) == (0, 1)
    assert store.signatures[0].email == "jane@example.org"
    assert "Joe Half" not in str(store.conversations)  # only the mark of whose it was


async def test_a_signer_back_after_the_sweep_is_told_their_signing_expired() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(campaign(), store, clock=clock)
    half = Chat(bot, "2")
    await half.send("/sign")
    await half.press("Yes, I want")
    await half.send("Joe Half")
    clock.advance(days=2)
    assert (await bot.retention.sweep()).conversations == 1
    assert "Joe Half" not in str(store.conversations)  # what was typed is erased
    await half.send("joe@example.org")  # the answer to the step they had left
    assert "expired after a long pause" in half.last
    await half.send("hello")
    assert "did not understand" in half.last  # told once
    # A purge leaves no trace of the conversation at all.
    await half.send("/sign")
    clock.advance(days=2)
    await bot.retention.purge("cli:organizer")
    assert store.conversations == {}
