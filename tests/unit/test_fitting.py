"""The core fits its answers to what each platform declared: text length and button data."""

from __future__ import annotations

import logging

import pytest

from bots.console import CAPABILITIES as TERMINAL_CAPS
from bots.discord_adapter.inbound import DIRECT_MESSAGE, SERVER_INTERACTION
from bots.telegram.application import capabilities as telegram_capabilities
from core.bot import PetitionBot
from core.config import CampaignConfig
from core.fitting import fit, fit_choices, measure
from core.markup import Markup, Span
from core.messages import Capabilities, Choice, Outbound
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

ADAPTERS = {
    "telegram": telegram_capabilities("a_bot_username_of_32_characters_"),
    "discord server": SERVER_INTERACTION,
    "discord dm": DIRECT_MESSAGE,
    "terminal": TERMINAL_CAPS,
}


def test_cuts_prefer_line_breaks_and_keep_every_character() -> None:
    text = Markup.plain("\n".join(f"line {i:03}" for i in range(300)))
    pieces = fit(text, 1000)
    assert len(pieces) > 1 and all(len(p.to_plain_text()) <= 1000 for p in pieces)
    assert "\n".join(p.to_plain_text() for p in pieces) == text.to_plain_text()
    assert all(p.to_plain_text().startswith("line") for p in pieces)


def test_a_line_longer_than_the_limit_is_cut_hard() -> None:
    pieces = fit(Markup.plain("x" * 5000), 2000)
    assert [len(p.to_plain_text()) for p in pieces] == [2000, 2000, 1000]


def test_short_text_is_one_piece_and_blank_text_none() -> None:
    hello = Markup(spans=(Span("Hello", bold=True),))
    assert fit(hello, 10) == [hello]
    assert fit(Markup.plain(" \n \n"), 10) == []
    assert fit(Markup(), 10) == []


def test_utf16_counts_an_emoji_as_two() -> None:
    text = Markup.plain("😀" * 3000)
    assert measure(text.to_plain_text(), "characters") == 3000
    pieces = fit(text, 4096, "utf16")
    assert [measure(p.to_plain_text(), "utf16") for p in pieces] == [4096, 1904]
    assert fit(text, 4096) == [text]  # counted in characters it fits as it is


def test_what_is_counted_can_be_the_rendered_form() -> None:
    def escaped(markup: Markup) -> str:  # every character doubled, as heavy escaping would
        return "".join(ch * 2 for ch in markup.to_plain_text())

    text = Markup.plain("ab" * 1500)
    pieces = fit(text, 2000, rendered=escaped)
    assert all(len(escaped(p)) <= 2000 for p in pieces)
    assert "".join(p.to_plain_text() for p in pieces) == text.to_plain_text()


def test_styles_survive_a_cut_and_a_link_that_fits_is_not_cut() -> None:
    link = Span("b" * 10, url="https://x.org")
    text = Markup(spans=(Span("a" * 15, bold=True), link, Span("c" * 30, italic=True)))
    pieces = fit(text, 20)
    assert [p.spans for p in pieces] == [
        (Span("a" * 15, bold=True),),
        (link,),
        (Span("c" * 20, italic=True),),
        (Span("c" * 10, italic=True),),
    ]


def test_a_button_too_big_for_the_platform_is_left_out_and_logged_without_its_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = Outbound(
        text=Markup.plain("?"),
        choices=(
            (Choice(label="Yes", data="n:yes"), Choice(label="Too long", data="é" * 33)),
            (Choice(label="Only too long", data="x" * 65),),
            (Choice(label="Cancel", data="n:cancel"),),
        ),
    )
    with caplog.at_level(logging.WARNING, logger="core.fitting"):
        fitted = fit_choices(message, Capabilities(max_choice_data_bytes=64))
    assert [[c.label for c in row] for row in fitted.choices] == [["Yes"], ["Cancel"]]
    assert [r.getMessage() for r in caplog.records] == [
        "button left out: data of 66 bytes",
        "button left out: data of 65 bytes",
    ]
    assert fit_choices(message, Capabilities(max_choice_data_bytes=100)) is message


def longest_slugs() -> CampaignConfig:
    """The example campaign with slugs as long as the config allows (32 characters)."""
    base = campaign(organizers=frozenset({"telegram:9"}))
    first = base.petitions[0].model_copy(update={"slug": "a" * 32})
    second = first.model_copy(update={"slug": "b" * 32, "default": False})
    return base.model_copy(update={"petitions": (first, second)})


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
async def test_every_button_the_core_makes_fits_every_adapter(adapter: str) -> None:
    caps = ADAPTERS[adapter]
    bot = PetitionBot(longest_slugs(), MemoryStore(), clock=Clock())
    signer, organizer = Chat(bot, "1", caps=caps), Chat(bot, "9", caps=caps)
    await signer.send("/petitions")
    await signer.send(f"/petition {'b' * 32}")
    if caps.native_forms:
        await signer.press_data(f"sign:{'b' * 32}")
        await signer.submit(
            signer.last_form_id, name="Jane Doe", email="jane@example.org", postal_code="12345"
        )
        await signer.press("Yes, keep")
        await signer.press("✅ Sign")
    else:
        await signer.sign("Jane Doe", "jane@example.org")
    assert "signed" in signer.last.lower()
    await signer.send("/withdraw")
    await organizer.send("/broadcast Rally on Saturday")
    await organizer.press("Signers of")
    pressed = signer.replies + organizer.replies
    data = [c.data for reply in pressed for row in reply.choices for c in row]
    assert len(data) > 10
    assert all(len(d.encode()) <= caps.max_choice_data_bytes for d in data)
    # Nothing was left out: the fit is a safety net, not where buttons go missing.
    assert "Confirm" in " ".join(c.label for row in organizer.replies[-1].choices for c in row)
