"""The core's markup as Discord markdown: every span escaped, styles and links added around it.

Escaping is total rather than "as needed": a lone ``*`` in a signer's name must not pair up
with the ``**`` the adapter writes around a bold span. Web addresses are left as they are
(Discord does not format inside them), and mentions are defused on top of the client-wide
``AllowedMentions.none()``, so ``@everyone`` neither pings nor looks like a ping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import discord

from core.fitting import fit
from core.markup import Markup, Span

# Web addresses are kept verbatim; everything else that Discord reads as markdown is escaped.
_URL = r"(?P<url>https?://[^\s<]+[^<.,:;\"'\]\s])"
_SPECIAL = r"(?P<special>[\\*_~|`\[\]<>#]|^\s*-)"
_ESCAPE = re.compile(f"{_URL}|{_SPECIAL}", re.MULTILINE)


def escape(text: str) -> str:
    """Plain text that Discord shows exactly as written: no formatting, no mentions."""
    escaped = _ESCAPE.sub(lambda m: m["url"] or _backslashed(m["special"]), text)
    return discord.utils.escape_mentions(escaped)


def _backslashed(special: str) -> str:
    stripped = special.lstrip()
    return special[: len(special) - len(stripped)] + "\\" + stripped


def to_markdown(markup: Markup) -> str:
    """Discord markdown for the whole markup: ``**bold**``, ``*italic*``, ``[label](<url>)``."""
    return "".join(_render(*run) for run in _runs(markup.spans))


def markdown_pieces(markup: Markup, limit: int) -> list[str]:
    """Markdown messages of at most ``limit`` characters each; none if the text is empty.

    Escaping makes text longer than its plain form, so the core's fit counts the markdown.
    """
    return [to_markdown(piece).strip("\n") for piece in fit(markup, limit, rendered=to_markdown)]


def split_heading(markup: Markup) -> tuple[str, Markup] | None:
    """A first line written entirely in bold, as plain text, and the rest; else ``None``."""
    head: list[Span] = []
    for index, span in enumerate(markup.spans):
        if "\n" not in span.text:
            head.append(span)
            continue
        before, _, after = span.text.partition("\n")
        if before:
            head.append(replace(span, text=before))
        rest = ([replace(span, text=after)] if after else []) + list(markup.spans[index + 1 :])
        title = "".join(s.text for s in head).strip()
        if not title or not all(s.bold and not s.url for s in head if s.text.strip()):
            return None
        return title, _without_leading_newlines(rest)
    return None


def _without_leading_newlines(spans: list[Span]) -> Markup:
    while spans and not spans[0].text.strip("\n"):
        spans.pop(0)
    if spans:
        spans[0] = replace(spans[0], text=spans[0].text.lstrip("\n"))
    return Markup(spans=tuple(spans))


Run = tuple[str, bool, bool, str | None]  # text, bold, italic, url


def _runs(spans: tuple[Span, ...]) -> Iterator[Run]:
    """Neighbouring spans of one style as one run, so markers never touch (``**a****b**``)."""
    texts: list[str] = []
    style: tuple[bool, bool] | None = None
    for span in spans:
        if span.url:
            if texts and style is not None:
                yield "".join(texts), *style, None
            texts, style = [], None
            yield span.text, span.bold, span.italic, span.url
        elif style == (span.bold, span.italic):
            texts.append(span.text)
        else:
            if texts and style is not None:
                yield "".join(texts), *style, None
            texts, style = [span.text], (span.bold, span.italic)
    if texts and style is not None:
        yield "".join(texts), *style, None


def _render(text: str, bold: bool, italic: bool, url: str | None) -> str:
    shown = _link(text, url) if url else escape(text)
    marker = ("**" if bold else "") + ("*" if italic else "")
    if not marker:
        return shown
    core = shown.strip()
    if not core:
        return shown
    start = len(shown) - len(shown.lstrip())
    end = start + len(core)
    return f"{shown[:start]}{marker}{core}{marker}{shown[end:]}"


def _link(text: str, url: str) -> str:
    safe = url.replace(">", "%3E").replace(" ", "%20")
    if not safe.startswith(("https://", "http://")):
        return escape(text)  # only web links are made clickable
    if text == url:
        return f"<{safe}>"
    return f"[{escape(text)}](<{safe}>)"
