"""The core's markup as an ``m.notice``: escaped HTML beside a plain body, choices as numbered
lines (their data kept in the event for reactions), no mention of anyone, ever."""

from __future__ import annotations

import html
from typing import Any

from core.fitting import fit
from core.markup import Markup
from core.messages import Choice, Outbound

# Synapse refuses events over 65,536 bytes: the HTML and the plain body of a piece, each at
# most this many characters of up to 4 bytes, stay under it.
MAX_BODY = 7_000
CHOICES_KEY = "org.petition_bot.choices"
KEYCAPS = tuple(f"{n}\ufe0f\u20e3" for n in range(1, 10))  # 1️⃣ … 9️⃣, reaction shortcuts


def choices_of(message: Outbound) -> list[Choice]:
    """Every choice of the message, numbered in reading order from 1."""
    return [choice for row in message.choices for choice in row]


def contents(message: Outbound) -> list[dict[str, Any]]:
    """The message as one or more notices; choices and links come with the last one."""
    pieces = fit(message.text, MAX_BODY, "characters", rendered=to_html) or [Markup.plain("")]
    notices = [_notice(piece) for piece in pieces]
    last = notices[-1]
    lines = [f"{n}. {c.label}" for n, c in enumerate(choices_of(message), start=1)]
    lines += [f"{link.label}: {link.url}" for link in message.links]
    if lines:
        last["body"] = (last["body"] + "\n\n" + "\n".join(lines)).strip()
        last["formatted_body"] += "<br><br>" + "<br>".join(html.escape(x) for x in lines)
    if message.choices:
        last[CHOICES_KEY] = [{"label": c.label, "data": c.data} for c in choices_of(message)]
    return notices


def _notice(markup: Markup) -> dict[str, Any]:
    return {
        "msgtype": "m.notice",
        "body": markup.to_plain_text(),
        "format": "org.matrix.custom.html",
        "formatted_body": to_html(markup),
        "m.mentions": {},  # intentional mentions: nobody, whatever the text says
    }


def to_html(markup: Markup) -> str:
    """``<b>``, ``<i>``, ``<a href>``; every piece of text escaped, line breaks kept."""
    parts = []
    for span in markup.spans:
        piece = html.escape(span.text).replace("\n", "<br>")
        if span.italic:
            piece = f"<i>{piece}</i>"
        if span.bold:
            piece = f"<b>{piece}</b>"
        if span.url:
            piece = f'<a href="{html.escape(span.url)}">{piece}</a>'
        parts.append(piece)
    return "".join(parts)
