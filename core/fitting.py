"""Fitting the core's answers to what a platform declared it can take (`Capabilities`).

Text longer than the platform's limit is cut into several messages, at paragraph and line
breaks where possible. Platforms count differently (Telegram counts UTF-16 code units of the
text after formatting is parsed, Discord characters of the markdown it is sent as), so the
adapter says how to measure: the unit, and optionally how a piece is rendered before counting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from core.markup import Markup, Span
from core.messages import Capabilities, Outbound, TextUnit

log = logging.getLogger(__name__)

Renderer = Callable[[Markup], str]


def measure(text: str, unit: TextUnit) -> int:
    """Length of ``text`` as the platform counts it."""
    if unit == "utf16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def fit(
    markup: Markup, limit: int, unit: TextUnit = "characters", rendered: Renderer | None = None
) -> list[Markup]:
    """``markup`` cut into pieces that each measure at most ``limit``; blank pieces dropped.

    ``rendered`` is what the platform is sent for a piece (escaped markdown, say) when that is
    what it counts; by default the piece's plain text is counted.
    """
    limit = max(limit, 1)
    size = _sizer(unit, rendered)
    if size(markup) <= limit:  # nearly every message: no copy, no cut
        return [markup] if markup.to_plain_text().strip() else []
    return [piece for piece in _fit(markup, limit, limit, size) if piece.to_plain_text().strip()]


Size = Callable[[Markup], int]


def _sizer(unit: TextUnit, rendered: Renderer | None) -> Size:
    def size(markup: Markup) -> int:
        return measure(rendered(markup) if rendered else markup.to_plain_text(), unit)

    return size


def _fit(markup: Markup, limit: int, budget: int, size: Size) -> Iterator[Markup]:
    """Cut by ``budget`` characters; a piece that still measures too much is cut again with a
    proportionally smaller budget, which shrinks every time, so this ends."""
    for piece in _split(markup, budget):
        measured = size(piece)
        if measured <= limit or budget <= 1:
            yield piece  # at one character a piece can not be cut further
            continue
        characters = len(piece.to_plain_text())
        smaller = max(1, min(budget - 1, characters * limit // measured))
        yield from _fit(piece, limit, smaller, size)


def _split(markup: Markup, limit: int) -> list[Markup]:
    """Pieces whose plain text has at most ``limit`` characters, preferring line breaks."""
    pieces: list[Markup] = []
    current: list[Span] = []
    length = 0
    for span in _chunks(markup, limit):
        if length + len(span.text) > limit and current:
            pieces.append(_stripped(current))
            current, length = [], 0
        current.append(span)
        length += len(span.text)
    if current:
        pieces.append(_stripped(current))
    return pieces


def _chunks(markup: Markup, limit: int) -> Iterator[Span]:
    """Spans broken at line ends, and hard-cut where one line is longer than ``limit``."""
    for span in markup.spans:
        for line in re.split(r"(?<=\n)", span.text):
            for start in range(0, len(line), limit):
                if line[start : start + limit]:
                    yield replace(span, text=line[start : start + limit])


def _stripped(spans: list[Span]) -> Markup:
    """A piece without the line breaks it was cut at."""
    spans = list(spans)
    spans[0] = replace(spans[0], text=spans[0].text.lstrip("\n"))
    spans[-1] = replace(spans[-1], text=spans[-1].text.rstrip("\n"))
    return Markup(spans=tuple(span for span in spans if span.text))


def fit_choices(outbound: Outbound, caps: Capabilities) -> Outbound:
    """``outbound`` without the buttons whose data the platform can not carry.

    The core's own button data is short (a verb and a slug of at most 32 characters, which a
    test checks against every adapter's limit); should one ever be too long, the platform
    would refuse the whole message, so that button is left out instead and the log says so.
    """
    if all(_carries(choice.data, caps) for row in outbound.choices for choice in row):
        return outbound
    rows = []
    for row in outbound.choices:
        kept = tuple(choice for choice in row if _carries(choice.data, caps))
        for choice in row:
            if choice not in kept:
                log.warning("button left out: data of %d bytes", len(choice.data.encode()))
        if kept:
            rows.append(kept)
    return outbound.model_copy(update={"choices": tuple(rows)})


def _carries(data: str, caps: Capabilities) -> bool:
    return 1 <= len(data.encode()) <= caps.max_choice_data_bytes
