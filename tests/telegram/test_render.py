"""Markup to Telegram HTML, pieces within the limit, keyboards; repeats and ordering."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bots.telegram.ordering import PerUserUpdateProcessor
from bots.telegram.render import html_pieces, keyboard, to_html
from core.markup import Markup, Span, render_template
from core.messages import Choice, LinkButton, Outbound
from tests.fakes.telegram_html import parse_html


def test_every_span_is_escaped_and_styled() -> None:
    markup = render_template(
        "**Hi {name}**, __see__ [the site]({url})",
        {"name": "<b>Bob</b> & co", "url": 'https://x.org/?a=1&b="2"'},
    )
    html = to_html(markup)
    assert html == (
        "<b>Hi </b><b>&lt;b&gt;Bob&lt;/b&gt; &amp; co</b>, <i>see</i> "
        '<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">the site</a>'
    )
    assert parse_html(html) == "Hi <b>Bob</b> & co, see the site"


def test_a_link_inside_bold_keeps_both() -> None:
    span = Span(text="<here>", bold=True, italic=True, url="https://t.me/bot?start=a__b")
    assert to_html(Markup(spans=(span,))) == (
        '<a href="https://t.me/bot?start=a__b"><b><i>&lt;here&gt;</i></b></a>'
    )


def test_pieces_fit_telegrams_utf16_limit() -> None:
    text = Markup.plain("😀" * 3000 + "\n" + "x<" * 2500)
    pieces = [parse_html(piece) for piece in html_pieces(text)]
    assert len(pieces) > 1
    assert all(len(piece.encode("utf-16-le")) // 2 <= 4096 for piece in pieces)
    assert "".join(pieces) == "😀" * 3000 + "x<" * 2500
    assert html_pieces(Markup.plain(" \n ")) == []
    assert html_pieces(Markup.plain("a & b")) == ["a &amp; b"]


def test_keyboard_rows_and_links() -> None:
    message = Outbound(
        text=Markup.plain("?"),
        choices=(
            (Choice(label="Yes", data="n:yes"),),
            (Choice(label="Cancel", data="n:cancel"),),
        ),
        links=(LinkButton(label="Open", url="https://t.me/bot?start=x"),),
    )
    markup = keyboard(message)
    assert markup is not None
    rows = [[(b.text, b.callback_data, b.url) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [("Yes", "n:yes", None)],
        [("Cancel", "n:cancel", None)],
        [("Open", None, "https://t.me/bot?start=x")],
    ]
    assert keyboard(Outbound(text=Markup.plain("x"))) is None


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "U", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(update_id, datetime.now(UTC), chat, from_user=user, text="x")
    return Update(update_id, message=message)


async def test_one_users_updates_run_one_at_a_time_in_order_others_concurrently() -> None:
    processor = PerUserUpdateProcessor(16)
    log: list[str] = []
    running: set[int] = set()
    overlap: list[bool] = []

    async def work(update_id: int, user_id: int) -> None:
        overlap.append(user_id in running)
        running.add(user_id)
        log.append(f"{user_id}:{update_id}:start")
        await asyncio.sleep(0.01)
        running.discard(user_id)
        log.append(f"{user_id}:{update_id}:end")

    jobs = [(1, 7), (2, 7), (3, 8), (4, 7), (5, 8)]
    await asyncio.gather(
        *(processor.process_update(_update(u, who), work(u, who)) for u, who in jobs)
    )
    assert not any(overlap)
    sevens = [entry for entry in log if entry.startswith("7:")]
    assert sevens == [f"7:{u}:{edge}" for u in (1, 2, 4) for edge in ("start", "end")]
    assert log.index("8:3:start") < log.index("7:1:end")  # another user did not wait
    assert processor.busy_users == 0
