"""Signing in a private chat, end to end through python-telegram-bot and the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.config import parse_config
from core.bot import PetitionBot
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import Person, config_data, serving

pytestmark = [pytest.mark.timeout(20)]

SLUG = "dont-run-joe"


async def test_signing_in_a_private_chat_with_buttons_and_text(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    welcome, pitch = await alice.say("/start", replies=2)
    assert "Hello Alice!" in welcome.plain
    assert "Don't Run Joe" in pitch.plain and pitch.parse_mode == "HTML"
    assert [text for text, _ in pitch.buttons] == ["✍️ Sign the petition"]

    confirm = await alice.press(pitch, "✍️ Sign")  # the pitch's button skips the question
    assert "full name" in confirm.plain
    assert "email address" in (await alice.ask("Alice Example")).plain
    assert "ZIP code" in (await alice.ask("alice@example.org")).plain
    consent = await alice.ask("12345")
    assert "updates" in consent.plain
    summary = await alice.press(consent, "Yes, keep me posted")
    assert "Full name: Alice Example" in summary.plain
    assert "Email: alice@example.org" in summary.plain
    thanks = await alice.press(summary, "✅ Sign")

    assert "Thank you, Alice!" in thanks.plain
    share = await alice.ask("/share")  # the link to share lives in /share
    assert f"https://t.me/petition_test_bot?start={SLUG}__r_" in share.plain
    assert await core.store.count(SLUG) == 1
    signature = await core.store.active_signature(SLUG, "telegram", "1001")
    assert signature is not None and signature.opted_in and signature.postal_code == "12345"
    assert len(tg.callback_answers) == alice.presses  # every spinner stopped, once


async def test_start_with_a_referral_code_credits_the_referrer(
    app, core: PetitionBot, alice: Person, bob: Person
) -> None:
    await alice.sign()
    share = await alice.ask("/share")
    referrer = await core.store.active_signature(SLUG, "telegram", "1001")
    assert referrer is not None and f"start={SLUG}__{referrer.ref_code}" in share.plain

    await bob.sign(
        name="Bob Builder", email="bob@example.org", start=f"/start {SLUG}__{referrer.ref_code}"
    )

    signature = await core.store.active_signature(SLUG, "telegram", "1002")
    assert signature is not None and signature.referrer_code == referrer.ref_code
    stats = await core.store.stats(SLUG, signature.signed_at.date(), 7)
    assert dict(stats.top_referrers).get(referrer.ref_code) == 1


async def test_signing_twice_keeps_one_signature(app, core: PetitionBot, alice: Person) -> None:
    await alice.sign()
    again = await alice.ask("/sign")
    assert "already signed" in again.plain
    assert again.buttons == []
    assert await core.store.count(SLUG) == 1


async def test_the_same_email_from_a_second_account_counts_once_without_saying_so(
    app, core: PetitionBot, alice: Person, bob: Person
) -> None:
    await alice.sign(email="shared@example.org")
    thanks = await bob.sign(name="Bob Builder", email="SHARED@example.org")
    assert "Thank you, Bob!" in thanks.plain and "counts once" in thanks.plain
    assert "already" not in thanks.plain
    assert await core.store.count(SLUG) == 1
    assert await core.store.active_signature(SLUG, "telegram", "1002") is None


async def test_markup_in_a_name_is_shown_exactly_and_parses_as_html(
    tg: FakeTelegramServer, app, alice: Person
) -> None:
    name = "<b>Bob</b> & <script>"
    confirm = await alice.ask("/sign")
    await alice.press(confirm, "Yes, I want to sign")
    await alice.ask(name)
    await alice.ask("bob@example.org")
    consent = await alice.ask("12345")
    summary = await alice.press(consent, "Yes, keep me posted")

    assert f"Full name: {name}\n" in summary.plain  # the fake parsed it as strict HTML
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; &lt;script&gt;" in summary.text
    thanks = await alice.press(summary, "✅ Sign")
    assert "Thank you, <b>Bob</b>!" in thanks.plain
    assert all(m.parse_mode == "HTML" for m in tg.messages(alice.chat_id))


async def test_a_long_pitch_is_split_with_the_button_on_the_last_piece(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    data = config_data(tmp_path, tg.base_url)
    data["petitions"][0]["pitch"] = ("🎉 A very long paragraph. " * 38 + "\n\n") * 3
    data["petitions"][0]["statement"] = "S" * 1900
    carol = Person(tg, 1003, "Carol")
    async with serving(parse_config(data)):
        first, second = await carol.say("/petition", replies=2)
    assert first.buttons == [] and [t for t, _ in second.buttons] == ["✍️ Sign the petition"]
    assert first.plain.startswith("Don't Run Joe")
    assert "Signatures so far" in second.plain
