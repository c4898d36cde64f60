"""Burst alerts: more than the threshold of signatures in an hour from one email domain,
platform or referral code tells each moderator once per window, naming the dimension only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.alerts.settings import AlertsConfig
from core.bot import PetitionBot
from core.models import NewSignature
from core.referrals import new_ref_code
from tests.fakes.fake_sender import FakeSender
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

MODERATORS = ["telegram:700", "telegram:701"]


def watched(clock: Clock, store: MemoryStore, **alerts: object) -> PetitionBot:
    config = campaign(moderators=MODERATORS, organizers=["discord:800"])
    settings = AlertsConfig.model_validate(alerts)
    return PetitionBot(config.model_copy(update={"alerts": settings}), store, clock=clock)


async def seed(store: MemoryStore, clock: Clock, n: int, domain: str = "example.org") -> None:
    """Signatures stored by other processes, from ``domain``, all in the last minutes."""
    slug = campaign().default_petition.slug
    for i in range(n):
        email = f"person{i}@{domain}"
        await store.add_signature(
            NewSignature(
                petition=slug,
                platform="discord",
                user_id=f"seed-{domain}-{i}",
                name="Seeded Person",
                email=email,
                email_key=email,
                country="US",
                ref_code=new_ref_code(),
                consent_version="v1",
                opted_in=False,
                signed_at=clock.now - timedelta(minutes=30),
            )
        )


async def delivered(sender: FakeSender, n: int) -> list[str]:
    async with asyncio.timeout(5):
        while len(sender.sent) < n:  # noqa: ASYNC110 - the delivery task of another task sends
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # and no more than n
    return [s.text for s in sender.sent]


async def test_the_201st_signature_from_a_domain_alerts_each_moderator_once() -> None:
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store)
    telegram = FakeSender("telegram")
    bot.deliveries.start(telegram)
    try:
        await seed(store, clock, 199)
        await Chat(bot, "1").sign("Jane Doe", "jane@Example.org")  # 200: not above it
        assert store.burst_alerts == {}
        await Chat(bot, "2").sign("Quincy Zed", "quincy@example.org")  # 201
        texts = await delivered(telegram, 2)
        assert sorted(s.address for s in telegram.sent) == ["700", "701"]
        assert "email domain example.org: 201 signatures in the last hour" in texts[0]
        assert "Quincy" not in texts[0] and "quincy@" not in texts[0]
        # The same window: more signatures, no second alert.
        await Chat(bot, "3").sign("Ann Doe", "ann@example.org")
        await asyncio.sleep(0.1)
        assert len(telegram.sent) == 2
        # The organizer on Discord gets it from whoever serves Discord.
        discord = FakeSender("discord")
        bot.deliveries.start(discord)
        await delivered(discord, 1)
        assert [s.address for s in discord.sent] == ["800"]
    finally:
        await bot.deliveries.stop_all()


async def test_the_next_hour_is_a_new_window_and_other_domains_are_counted_apart() -> None:
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store, signatures_per_hour=2)
    await seed(store, clock, 2, "other.net")
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    await Chat(bot, "2").sign("Joe Doe", "joe@example.org")
    assert store.burst_alerts == {}  # two from example.org, two from other.net: not above 2
    await Chat(bot, "3").sign("Ann Doe", "ann@example.org")
    domains = {k[2] for k in store.burst_alerts if k[1] == "email_domain"}
    assert domains == {"example.org"}  # the seeded other.net has 2, not above
    clock.advance(hours=1, minutes=1)
    for user in ("4", "5", "6"):
        await Chat(bot, user).sign(f"Person {user}", f"p{user}@example.org")
    windows = sorted(k[3] for k in store.burst_alerts if k[1] == "email_domain")
    assert len(windows) == 2 and windows[1] - windows[0] == timedelta(hours=1)


async def test_a_platform_burst_is_named_by_its_platform() -> None:
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store, signatures_per_hour=1)
    await Chat(bot, "1").sign("Jane Doe", "jane@a.org")
    await Chat(bot, "2").sign("Joe Doe", "joe@b.org")
    assert {(k[1], k[2]) for k in store.burst_alerts} == {("platform", "telegram")}


async def test_alerts_can_be_turned_off_only_in_words() -> None:
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store, signatures_per_hour=1, enabled=False)
    await Chat(bot, "1").sign("Jane Doe", "jane@a.org")
    await Chat(bot, "2").sign("Joe Doe", "joe@a.org")
    assert store.burst_alerts == {}
    with pytest.raises(ValueError, match="enabled = false turns alerts off"):
        AlertsConfig.model_validate({"signatures_per_hour": 0})


async def test_a_busy_petition_is_counted_at_most_every_interval_and_still_alerts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("core.alerts.watch.BUSY", 0)  # every petition busy: throttled
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store, signatures_per_hour=2, check_interval_seconds=60)
    for user in ("1", "2", "3"):
        await Chat(bot, user).sign(f"Person {user}", f"p{user}@example.org")
    assert store.burst_alerts == {}  # 3 is above 2, but counted only at the first
    clock.advance(seconds=61)
    await Chat(bot, "4").sign("Person Four", "p4@example.org")
    alerts = {k[1]: a.count for k, a in store.burst_alerts.items()}
    assert alerts == {"platform": 4, "email_domain": 4}


async def test_friends_of_one_referrer_are_a_burst_named_by_the_referral_code() -> None:
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store, signatures_per_hour=2)
    slug = campaign().default_petition.slug
    await Chat(bot, "1", platform="discord").sign("Rita Referrer", "rita@a.org")
    referrer = await store.active_signature(slug, "discord", "1")
    assert referrer is not None
    for user, domain in (("2", "b.org"), ("3", "c.org"), ("4", "d.org")):
        friend = Chat(bot, user, platform="matrix" if user == "3" else "discord")
        await friend.send(f"/sign {slug} {referrer.ref_code}")
        await friend.press("Yes, I want")
        for answer in (f"Friend {user}", f"friend{user}@{domain}", "12345"):
            await friend.send(answer)
        await friend.press("Yes, keep")
        await friend.press("✅ Sign")
    alerts = {(k[1], k[2]) for k in store.burst_alerts}
    assert ("referrer", referrer.ref_code) in alerts


async def test_a_moderator_who_chose_spanish_reads_the_alert_in_spanish() -> None:
    clock, store = Clock(), MemoryStore()
    bot = watched(clock, store, signatures_per_hour=1)
    await store.choose_language("telegram", "700", "es", clock.now)
    telegram = FakeSender("telegram")
    bot.deliveries.start(telegram)
    try:
        await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
        await Chat(bot, "2").sign("Joe Doe", "joe@example.org")
        await delivered(telegram, 4)  # platform and domain, to each of two moderators
        by_address: dict[str, list[str]] = {}
        for sent in telegram.sent:
            by_address.setdefault(sent.address, []).append(sent.text)
        assert any("dominio de correo example.org" in t for t in by_address["700"])
        assert all("signatures in the last hour" not in t for t in by_address["700"])
        assert any("email domain example.org" in t for t in by_address["701"])
    finally:
        await bot.deliveries.stop_all()
