"""The signing conversation, driven through the core with an in-memory store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.bot import PetitionBot
from storage import SqliteStore
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import FORMS, GROUP_WITH_LINKS, Chat, Clock, campaign

SLUG = "dont-run-joe"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(store: MemoryStore, clock: Clock) -> PetitionBot:
    return PetitionBot(campaign(), store, clock=clock)


async def test_full_signing_stores_details_and_consent(bot: PetitionBot, store: MemoryStore):
    chat = Chat(bot)
    await chat.sign("  Jane   Doe ", "Jane@Example.ORG", "12345-6789")
    [signature] = store.signatures
    assert (signature.name, signature.email, signature.postal_code) == (
        "Jane Doe",
        "Jane@example.org",
        "12345-6789",
    )
    assert signature.opted_in is True
    assert signature.consent_version == "2026-11-v1"
    assert "Thank you, Jane!" in chat.last
    assert await store.get_conversation("telegram", "1") is None
    await chat.send("/status")  # the count and the referral code live in /status and /share
    assert "Signatures so far: 1, 0.0% of the goal of 100,000" in chat.last
    await chat.send("/share")
    assert signature.ref_code in chat.last


async def test_every_reply_in_the_conversation_is_private(bot: PetitionBot) -> None:
    chat = Chat(bot)
    await chat.sign("Jane Doe", "jane@example.org")
    conversation = chat.replies[1:]
    assert conversation and all(reply.private for reply in conversation)


async def test_declining_updates_is_recorded(bot: PetitionBot, store: MemoryStore) -> None:
    await Chat(bot).sign("Jane Doe", "jane@example.org", updates=False)
    assert store.signatures[0].opted_in is False


async def test_signing_twice_keeps_one_signature(bot: PetitionBot, store: MemoryStore) -> None:
    chat = Chat(bot)
    await chat.sign("Jane Doe", "jane@example.org")
    await chat.send("/sign")
    assert "already signed" in chat.last
    assert len(store.signatures) == 1


async def test_same_email_from_a_second_account_is_counted_once_without_saying_so(
    bot: PetitionBot, store: MemoryStore
) -> None:
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    second = Chat(bot, "2", platform="discord")
    await second.sign("Jim Doe", "JANE@example.org")
    assert "Each email address counts once" in second.last
    assert "already" not in " ".join(r.text.to_plain_text() for r in second.replies)
    assert len(store.signatures) == 1
    assert await store.get_conversation("discord", "2") is None


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("x" * 4000, "too long"),
        ("12345", "at least one letter"),
        ("Jane www.spam.com", "without web addresses"),
        ("=HYPERLINK(1)", "can't start with"),
        ("@everyone", "can't start with"),
        ("\u200b\u202e\x07", "send your name"),
    ],
)
async def test_bad_names_get_a_clear_answer_and_change_nothing(
    bot: PetitionBot, store: MemoryStore, name: str, answer: str
) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    before = await store.get_conversation("telegram", "1")
    await chat.send(name)
    assert answer in chat.replies[-2].text.to_plain_text()
    assert "full name" in chat.last
    assert await store.get_conversation("telegram", "1") == before


async def test_invisible_and_control_characters_are_removed_from_names(
    bot: PetitionBot, store: MemoryStore
) -> None:
    await Chat(bot).sign("Ja\u200bne\x00 \u202eDoe", "jane@example.org")
    assert store.signatures[0].name == "Jane Doe"


@pytest.mark.parametrize("email", ["not-an-email", "jane@", "jane@@example.org", "a b@c.org"])
async def test_invalid_email_keeps_the_email_step(bot: PetitionBot, email: str) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.send("Jane Doe")
    await chat.send(email)
    assert "doesn't look like an email" in chat.replies[-2].text.to_plain_text()
    assert "email address" in chat.last


@pytest.mark.parametrize("zip_code", ["1234", "123456", "ABCDE", "12345-67"])
async def test_invalid_zip_keeps_the_zip_step(bot: PetitionBot, zip_code: str) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.send("Jane Doe")
    await chat.send("jane@example.org")
    await chat.send(zip_code)
    assert "5 digits" in chat.replies[-2].text.to_plain_text()
    assert "ZIP code" in chat.last


async def test_back_returns_to_the_previous_question(bot: PetitionBot, store: MemoryStore):
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.send("Jane Doe")
    await chat.press("« Back")
    assert "full name" in chat.last
    await chat.send("Janet Doe")
    await chat.send("janet@example.org")
    await chat.send("12345")
    await chat.press("« Back")
    assert "ZIP code" in chat.last
    await chat.send("54321")
    await chat.press("Yes, keep")
    await chat.press("✅ Sign")
    assert store.signatures[0].name == "Janet Doe"
    assert store.signatures[0].postal_code == "54321"


async def test_edit_from_the_summary_changes_one_field(bot: PetitionBot, store: MemoryStore):
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    for answer in ("Jane Doe", "jane@example.org", "12345"):
        await chat.send(answer)
    await chat.press("Yes, keep")
    await chat.press("✏️ Edit")
    await chat.press("Email")
    await chat.send("other@example.org")
    assert "Please check your signature" in chat.last
    await chat.press("✅ Sign")
    assert store.signatures[0].email == "other@example.org"


async def test_cancel_at_any_step_saves_nothing(bot: PetitionBot, store: MemoryStore) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.send("Jane Doe")
    await chat.send("/cancel")
    assert "Nothing was saved" in chat.last
    assert store.signatures == [] and store.conversations == {}
    await chat.send("/cancel")
    assert "nothing to cancel" in chat.last


async def test_a_restarted_bot_continues_the_same_conversation(
    store: MemoryStore, clock: Clock
) -> None:
    first = Chat(PetitionBot(campaign(), store, clock=clock))
    await first.send("/sign")
    await first.press("Yes, I want")
    await first.send("Jane Doe")
    await first.send("jane@example.org")
    restarted = Chat(PetitionBot(campaign(), store, clock=clock))
    restarted.replies = first.replies  # the buttons already on the person's screen
    await restarted.send("12345")
    await restarted.press("Yes, keep")
    await restarted.press("✅ Sign")
    assert store.signatures[0].email == "jane@example.org"


async def test_an_idle_conversation_expires_with_a_clear_message(
    bot: PetitionBot, store: MemoryStore, clock: Clock
) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    clock.advance(hours=25)
    await chat.send("Jane Doe")
    assert "expired" in chat.last
    assert store.conversations == {}


async def test_a_stale_button_changes_nothing(bot: PetitionBot, store: MemoryStore) -> None:
    chat = Chat(bot)
    await chat.sign("Jane Doe", "jane@example.org")
    await chat.press("✅ Sign")  # pressed again after the conversation finished
    assert "nothing changed" in chat.last
    await chat.press_data("forged:data")
    assert "nothing changed" in chat.last
    assert len(store.signatures) == 1


async def test_a_button_that_does_not_fit_the_step_changes_nothing(bot: PetitionBot) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.press("Yes, I want")  # the same button pressed twice
    assert "does not fit this step" in chat.replies[-2].text.to_plain_text()
    assert "full name" in chat.last


async def test_referral_code_credits_the_referrer(bot: PetitionBot, store: MemoryStore):
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    code = store.signatures[0].ref_code
    friend = Chat(bot, "2")
    await friend.send(f"/start {SLUG}__{code}__s_newsletter")
    await friend.press("Yes, I want")
    for answer in ("Jim Doe", "jim@example.org", "12345"):
        await friend.send(answer)
    await friend.press("No, thanks")
    await friend.press("✅ Sign")
    assert store.signatures[1].referrer_code == code
    assert store.signatures[1].source == "newsletter"


async def test_an_unknown_referral_code_is_ignored(bot: PetitionBot, store: MemoryStore):
    chat = Chat(bot)
    await chat.send("/sign dont-run-joe r_ZZZZZZZZ")
    await chat.press("Yes, I want")
    for answer in ("Jim Doe", "jim@example.org", "12345"):
        await chat.send(answer)
    await chat.press("No, thanks")
    await chat.press("✅ Sign")
    assert store.signatures[0].referrer_code is None


async def test_sign_in_a_public_group_answers_with_a_private_link(
    bot: PetitionBot, store: MemoryStore
) -> None:
    chat = Chat(bot, caps=GROUP_WITH_LINKS, private=False)
    [reply] = await chat.send("/sign")
    assert reply.links and reply.links[0].url == f"https://t.me/testbot?start={SLUG}"
    assert not reply.private and not reply.choices
    [pitch] = await chat.send("/petition")
    assert pitch.links[0].url == f"https://t.me/testbot?start={SLUG}"
    [mydata] = await chat.send("/mydata")
    assert mydata.links[0].url == "https://t.me/testbot?start=c_mydata"
    assert await chat.send("Jane Doe, jane@example.org") == []
    assert store.conversations == {} and store.signatures == []


async def test_native_forms_collect_all_fields_and_keep_values_on_error(
    bot: PetitionBot, store: MemoryStore
) -> None:
    chat = Chat(bot, platform="discord", caps=FORMS, private=False)
    await chat.press_data(f"sign:{SLUG}")
    form = chat.replies[-1].form
    assert form is not None and [f.key for f in form.fields] == ["name", "email", "postal_code"]
    [reply] = await chat.submit(form.form_id, name="Jane Doe", email="nope", postal_code="12345")
    assert reply.form is not None and reply.form.error and "email" in reply.form.error
    assert {f.key: f.value for f in reply.form.fields} == {
        "name": "Jane Doe",
        "email": "nope",
        "postal_code": "12345",
    }
    await chat.submit(form.form_id, name="Jane Doe", email="jane@example.org", postal_code="12345")
    await chat.press("Yes, keep")
    await chat.press("✅ Sign")
    assert store.signatures[0].email == "jane@example.org"
    assert all(reply.private for reply in chat.replies)


async def test_withdrawal_asks_then_erases(bot: PetitionBot, store: MemoryStore) -> None:
    chat = Chat(bot)
    await chat.sign("Jane Doe", "jane@example.org")
    await chat.send("/withdraw")
    assert store.signatures[0].active  # nothing erased before confirming
    await chat.press("Yes, withdraw")
    assert "withdrawn" in chat.last
    assert store.signatures[0].name is None and not store.signatures[0].active
    await chat.send("/mydata")
    assert "withdrawn on 2026-11-30" in chat.last and "jane@" not in chat.last


async def test_mydata_shows_everything_stored(bot: PetitionBot) -> None:
    chat = Chat(bot)
    await chat.send("/mydata")
    assert "I store nothing about you" in chat.last
    await chat.sign("Jane Doe", "jane@example.org")
    await chat.send("/mydata")
    for expected in ("Jane Doe", "jane@example.org", "12345", "2026-11-v1", "Updates: yes"):
        assert expected in chat.last


async def test_supporters_are_refused_moderator_commands_and_it_is_audited(
    bot: PetitionBot, store: MemoryStore
) -> None:
    chat = Chat(bot, "999")
    await chat.send("/stats")
    assert "only for the campaign team" in chat.last
    assert [entry.action for entry in store.audit] == ["refused:stats"]


async def test_moderators_see_counts_stats_and_recent_without_personal_data(
    store: MemoryStore, clock: Clock
) -> None:
    bot = PetitionBot(campaign(moderators=frozenset({"telegram:42"})), store, clock=clock)
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    mod = Chat(bot, "42", private=False, caps=GROUP_WITH_LINKS)
    await mod.send("/count")
    assert "1 signature," in mod.last
    report, chart = await mod.send("/stats")
    text = report.text.to_plain_text()
    assert "Total: 1" in text and "telegram 1" in text and "Goal: 100,000" in text
    assert chart.file is not None and chart.file.mime_type == "image/png"
    await mod.send("/recent")
    assert "Jane D." in mod.last and "jane@" not in mod.last and "12345" not in mod.last
    assert [e.action for e in store.audit] == ["count", "stats", "recent"]


async def test_a_platform_role_grants_moderator_rights(store: MemoryStore) -> None:
    bot = PetitionBot(campaign(moderator_groups=frozenset({"discord:777"})), store)
    await Chat(bot, "5", platform="discord", group_ids=("777",)).send("/count")
    assert store.audit[-1].action == "count"


async def test_organizers_can_do_what_moderators_can(store: MemoryStore) -> None:
    bot = PetitionBot(campaign(organizers=frozenset({"telegram:9"})), store)
    chat = Chat(bot, "9")
    await chat.send("/recent")
    assert "Nobody has signed" in chat.last


async def test_unknown_commands_and_petitions_get_a_clear_answer(bot: PetitionBot) -> None:
    chat = Chat(bot)
    await chat.send("/frobnicate")
    assert "don't know the command /frobnicate" in chat.last
    await chat.send("/petition no-such-thing")
    assert "don't know a petition called “no-such-thing”" in chat.last
    assert "dont-run-joe" in chat.last


async def test_a_deep_link_from_a_group_continues_the_command_in_private(bot: PetitionBot):
    chat = Chat(bot)
    await chat.send("/start c_status")
    assert "You have not signed Don't Run Joe yet" in chat.last


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "race.db")
    yield store
    await store.close()


async def test_confirm_pressed_twice_at_once_signs_once(sqlite_store: SqliteStore) -> None:
    # A real store, whose awaits really suspend, so the two presses interleave.
    store = sqlite_store
    chat = Chat(PetitionBot(campaign(), store))
    await chat.send("/sign")
    await chat.press("Yes, I want")
    for answer in ("Jane Doe", "jane@example.org", "12345"):
        await chat.send(answer)
    await chat.press("Yes, keep")
    confirm = next(c for c in chat.replies[-1].choices[0] if c.label.startswith("✅"))
    first, second = await asyncio.gather(
        chat.press_data(confirm.data), chat.press_data(confirm.data)
    )
    texts = [r.text.to_plain_text() for r in first + second]
    assert sum("Thank you, Jane!" in t for t in texts) == 1
    assert sum("nothing changed" in t for t in texts) == 1
    assert not any("already signed" in t for t in texts)
    assert await store.count(SLUG) == 1


async def test_a_rejected_form_reopens_with_the_typed_values_after_a_restart(
    store: MemoryStore, clock: Clock
) -> None:
    chat = Chat(PetitionBot(campaign(), store, clock=clock), platform="discord", caps=FORMS)
    await chat.press_data(f"sign:{SLUG}")
    await chat.submit(chat.last_form_id, name="Jane Doe", email="nope", postal_code="12345")
    restarted = Chat(PetitionBot(campaign(), store, clock=clock), platform="discord", caps=FORMS)
    restarted.replies = chat.replies
    [reopened] = await restarted.press("Open the form")
    assert reopened.form is not None
    assert {f.key: f.value for f in reopened.form.fields}["email"] == "nope"
    assert reopened.form.error is not None and "email address" in reopened.form.error


async def test_a_failing_store_gets_a_clear_answer_not_silence(
    store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object) -> None:
        raise OSError("disk full")

    store.get_conversation = broken  # type: ignore[method-assign]  # a failing store read
    chat = Chat(PetitionBot(campaign(), store))
    await chat.send("Jane Doe jane@example.org")
    assert "something went wrong on our side and nothing changed" in chat.last
    assert "jane@example.org" not in caplog.text and "could not handle" in caplog.text


@pytest.mark.parametrize(
    "payload", ["s_newsletter", "r_ABCDEFGH", "c_stats", "c_start", "no-such-petition", "__"]
)
async def test_start_with_an_unknown_payload_gets_the_normal_welcome(
    bot: PetitionBot, payload: str
) -> None:
    chat = Chat(bot)
    welcome, pitch = await chat.send(f"/start {payload}")
    assert welcome.text.to_plain_text().startswith("Hello Tester! I collect signatures")
    assert pitch.text.to_plain_text().startswith("Don't Run Joe")
    assert [c.label for row in pitch.choices for c in row] == ["✍️ Sign the petition"]
    assert "don't know" not in welcome.text.to_plain_text() + pitch.text.to_plain_text()
