"""The one small markup the core writes and every adapter renders.

Text is a sequence of styled spans, never a string with formatting characters in it, so
user-supplied text can not break formatting or inject markup: adapters escape each span
for their platform. Catalog templates use ``**bold**``, ``__italic__``, ``[label](url)``
and ``{placeholders}``; placeholder values are inserted as plain spans and never parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pydantic import BaseModel, ConfigDict

_TOKEN = re.compile(r"\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)|(?P<bold>\*\*)|(?P<italic>__)")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Span(BaseModel):
    """A run of text with one style; ``url`` makes it a link."""

    model_config = ConfigDict(frozen=True)

    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None


class Markup(BaseModel):
    """Formatted text as spans; build it with :func:`render_template` or :meth:`plain`."""

    model_config = ConfigDict(frozen=True)

    spans: tuple[Span, ...] = ()

    @classmethod
    def plain(cls, text: str) -> Markup:
        """Unformatted text, for example a user's own words."""
        return cls(spans=(Span(text=text),) if text else ())

    def __add__(self, other: Markup) -> Markup:
        return Markup(spans=self.spans + other.spans)

    def to_plain_text(self) -> str:
        """The text without any formatting (links keep their label)."""
        return "".join(span.text for span in self.spans)

    def split(self, limit: int) -> list[Markup]:
        """Cut into pieces whose plain text fits ``limit``, preferring paragraph and line breaks."""
        pieces: list[Markup] = []
        current: list[Span] = []
        size = 0
        for span in self._chunks(limit):
            if size + len(span.text) > limit and current:
                pieces.append(Markup(spans=tuple(current)))
                current, size = [], 0
            current.append(span)
            size += len(span.text)
        if current:
            pieces.append(Markup(spans=tuple(current)))
        return [piece._strip_edges() for piece in pieces] or [self]

    def _chunks(self, limit: int) -> Iterator[Span]:
        """Spans broken at line ends, and hard-cut where one line is longer than ``limit``."""
        for span in self.spans:
            for line in re.split(r"(?<=\n)", span.text):
                for start in range(0, len(line), limit):
                    if line[start : start + limit]:
                        yield span.model_copy(update={"text": line[start : start + limit]})

    def _strip_edges(self) -> Markup:
        spans = list(self.spans)
        if spans:
            spans[0] = spans[0].model_copy(update={"text": spans[0].text.lstrip("\n")})
            spans[-1] = spans[-1].model_copy(update={"text": spans[-1].text.rstrip("\n")})
        return Markup(spans=tuple(s for s in spans if s.text))


def render_template(template: str, values: Mapping[str, object] | None = None) -> Markup:
    """Parse a catalog template and fill its placeholders with plain (unparsed) values."""
    values = values or {}
    spans: list[Span] = []
    bold = italic = False
    position = 0
    for match in _TOKEN.finditer(template):
        spans.extend(_fill(template[position : match.start()], values, bold, italic))
        if match["bold"]:
            bold = not bold
        elif match["italic"]:
            italic = not italic
        else:
            label = "".join(s.text for s in _fill(match["label"], values, False, False))
            url = "".join(s.text for s in _fill(match["url"], values, False, False))
            spans.append(Span(text=label, bold=bold, italic=italic, url=url))
        position = match.end()
    spans.extend(_fill(template[position:], values, bold, italic))
    return Markup(spans=tuple(span for span in spans if span.text))


def _fill(text: str, values: Mapping[str, object], bold: bool, italic: bool) -> Iterator[Span]:
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        yield Span(text=text[position : match.start()], bold=bold, italic=italic)
        key = match[1]
        value = values[key] if key in values else match[0]
        if isinstance(value, Markup):
            for span in value.spans:
                yield span.model_copy(
                    update={"bold": span.bold or bold, "italic": span.italic or italic}
                )
        else:
            yield Span(text=_format_value(value), bold=bold, italic=italic)
        position = match.end()
    yield Span(text=text[position:], bold=bold, italic=italic)


def _format_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
