"""The core's markup and messages as Discord markdown, embeds, buttons and modals."""

from __future__ import annotations

import re

import discord

from bots.discord_adapter.markdown import escape, markdown_pieces, to_markdown
from bots.discord_adapter.render import build_modal, render
from core.markup import Markup, Span, render_template
from core.messages import Choice, FormField, FormRequest, Outbound


def markup(*spans: Span) -> Markup:
    return Markup(spans=spans)


def test_user_text_is_escaped_and_mentions_defused() -> None:
    assert escape("<b>*@everyone*</b>") == "\\<b\\>\\*@\u200beveryone\\*\\</b\\>"
    assert escape("r_K7QH2MXA") == "r\\_K7QH2MXA"
    assert escape("# title\n- item\n> quote") == "\\# title\n\\- item\n\\> quote"
    assert escape("see https://example.org/a_b_c") == "see https://example.org/a_b_c"
    assert escape("<@80351110224678912> ||x||") == "\\<@\u200b80351110224678912\\> \\|\\|x\\|\\|"


def test_styles_wrap_escaped_text_and_neighbouring_spans_merge() -> None:
    text = render_template(
        "**Thank you, {name}!** __{statement}__", {"name": "Bo*b", "statement": "Go"}
    )
    assert to_markdown(text) == "**Thank you, Bo\\*b!** *Go*"
    bold_italic = markup(Span(text=" both ", bold=True, italic=True))
    assert to_markdown(bold_italic) == " ***both*** "


def test_links_are_masked_and_only_web_links_are_clickable() -> None:
    link = markup(Span(text="our site", url="https://example.org/x"))
    assert to_markdown(link) == "[our site](<https://example.org/x>)"
    same = markup(Span(text="https://example.org", url="https://example.org"))
    assert to_markdown(same) == "<https://example.org>"
    script = markup(Span(text="click", url="javascript:alert(1)"))
    assert to_markdown(script) == "click"


def test_long_text_fits_discord_even_after_escaping() -> None:
    text = Markup.plain(("a_b*c " * 500 + "\n") * 3)  # escaping makes it much longer
    pieces = markdown_pieces(text, 2000)
    assert len(pieces) > 1 and all(len(piece) <= 2000 for piece in pieces)
    shown = re.sub(r"\\(.)", r"\1", "".join(pieces))  # what Discord displays
    assert shown.replace("\n", "") == text.to_plain_text().replace("\n", "")


async def test_a_heading_makes_an_embed_and_plain_text_stays_text() -> None:
    pitch = render_template("**{title}**\n\nWe ask __you__.", {"title": "Save *the* park"})
    embed = render(Outbound(text=pitch)).pieces[0].embeds[0]
    assert embed.title == "Save \\*the\\* park"
    assert embed.description == "We ask *you*."
    count = render(Outbound(text=render_template("**Park**: 3 signatures")))
    assert count.pieces[0].content == "**Park**: 3 signatures" and not count.pieces[0].embeds


async def test_buttons_keep_the_core_rows_and_repack_when_discord_has_no_room() -> None:
    rows = tuple((Choice(label=f"Field {i}", data=f"n:edit_{i}"),) for i in range(6))
    view = render(Outbound(text=Markup.plain("Which?"), choices=rows)).view
    assert view is not None and view.is_finished()  # never stored: the dispatcher answers
    buttons = [item for item in view.children if isinstance(item, discord.ui.Button)]
    assert [b.custom_id for b in buttons] == [f"pb:n:edit_{i}" for i in range(6)]
    assert [b.row for b in buttons] == [0, 0, 0, 0, 0, 1]
    two = render(Outbound(text=Markup.plain("?"), choices=rows[:2])).view
    assert two is not None and [b.row for b in two.children] == [0, 1]


def form(fields: int, error: str | None) -> FormRequest:
    keys = ["name", "email", "postal_code", "f4", "f5"][:fields]
    return FormRequest(
        form_id="abc123:form",
        title="Sign the petition, please, because it matters a lot",
        fields=tuple(FormField(key=k, label=k.title(), value=f"v-{k}") for k in keys),
        error=error,
    )


async def test_a_modal_shows_the_error_above_the_kept_values() -> None:
    modal = build_modal(form(3, "That doesn't look like an email address."))
    payload = modal.to_dict()
    assert payload["custom_id"] == "pb:abc123:form" and len(payload["title"]) <= 45
    first, *labels = payload["components"]
    assert first == {"type": 10, "content": "⚠️ That doesn't look like an email address."}
    assert [c["component"]["value"] for c in labels] == ["v-name", "v-email", "v-postal_code"]


async def test_a_full_modal_shows_the_error_as_the_first_fields_description() -> None:
    payload = build_modal(form(5, "x" * 150)).to_dict()
    assert len(payload["components"]) == 5
    assert payload["components"][0]["description"] == "x" * 100
