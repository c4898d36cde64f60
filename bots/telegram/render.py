"""The core's markup as Telegram HTML, cut to Telegram's length limit by the core, and buttons.

Every piece of text and every URL goes through ``html.escape``: one unescaped ``<`` or ``&``
in a signer's name would make Telegram refuse the whole message, and a name like
``<b>Bob</b>`` must show as exactly that.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.fitting import fit
from core.markup import Markup
from core.messages import Outbound, TextUnit

MAX_TEXT = 4096  # characters after entity parsing, counted in UTF-16 code units
TEXT_UNIT: TextUnit = "utf16"
MAX_CALLBACK_DATA = 64  # bytes; the core leaves out a button whose data is longer


def to_html(markup: Markup) -> str:
    """One piece of markup as Telegram HTML: ``<b>``, ``<i>``, ``<a href>``, all text escaped."""
    parts = []
    for span in markup.spans:
        piece = html.escape(span.text)
        if span.italic:
            piece = f"<i>{piece}</i>"
        if span.bold:
            piece = f"<b>{piece}</b>"
        if span.url:
            piece = f'<a href="{html.escape(span.url)}">{piece}</a>'
        parts.append(piece)
    return "".join(parts)


def html_pieces(markup: Markup, limit: int = MAX_TEXT) -> list[str]:
    """The text as one or more HTML messages, each within Telegram's limit; none if empty.

    Telegram counts the text after it parsed the HTML, in UTF-16 code units (an emoji is two).
    """
    return [to_html(piece) for piece in fit(markup, limit, TEXT_UNIT)]


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    """Choices as callback buttons (one row per core row), then each link as a URL button."""
    rows: list[list[InlineKeyboardButton]] = []
    for choices in message.choices:
        row = [InlineKeyboardButton(choice.label, callback_data=choice.data) for choice in choices]
        if row:
            rows.append(row)
    rows.extend([InlineKeyboardButton(link.label, url=link.url)] for link in message.links)
    return InlineKeyboardMarkup(rows) if rows else None
