"""The core's markup as Telegram HTML, cut to Telegram's length limit, and its buttons.

Every piece of text and every URL goes through ``html.escape``: one unescaped ``<`` or ``&``
in a signer's name would make Telegram refuse the whole message, and a name like
``<b>Bob</b>`` must show as exactly that.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.markup import Markup
from core.messages import Outbound

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # characters after entity parsing, counted in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes


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
    """The text as one or more HTML messages, each within Telegram's limit; none if empty."""
    plain = markup.to_plain_text()
    if utf16_len(plain) <= limit:  # nearly every message: no need to cut (or to copy spans)
        return [to_html(markup)] if plain.strip() else []
    return [to_html(piece) for piece in fit(markup, limit) if piece.to_plain_text().strip()]


def fit(markup: Markup, limit: int = MAX_TEXT, chars: int | None = None) -> list[Markup]:
    """``Markup.split`` counts characters, Telegram counts UTF-16 units (an emoji is two)."""
    chars = limit if chars is None else chars
    pieces: list[Markup] = []
    for piece in markup.split(chars):
        text = piece.to_plain_text()
        units = utf16_len(text)
        if units <= limit:
            pieces.append(piece)
        else:  # cut again, proportionally shorter; the budget shrinks each time, so this ends
            smaller = max(1, min(chars - 1, len(text) * limit // units))
            pieces.extend(fit(piece, limit, smaller))
    return pieces


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    """Choices as callback buttons (one row per core row), then each link as a URL button."""
    rows: list[list[InlineKeyboardButton]] = []
    for choices in message.choices:
        row = [
            InlineKeyboardButton(choice.label, callback_data=choice.data)
            for choice in choices
            if _fits(choice.data)
        ]
        if row:
            rows.append(row)
    rows.extend([InlineKeyboardButton(link.label, url=link.url)] for link in message.links)
    return InlineKeyboardMarkup(rows) if rows else None


def _fits(data: str) -> bool:
    """Telegram refuses the whole message for one oversized button: drop that button instead."""
    if 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
        return True
    log.warning("button dropped: callback data of %d bytes", len(data.encode()))
    return False
