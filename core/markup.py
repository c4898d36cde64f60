"""The one small markup the core writes and every adapter renders.

Text is a sequence of styled spans, never a string with formatting characters in it, so
user-supplied text can not break formatting or inject markup: adapters escape each span
for their platform. Catalog templates use ``**bold**``, ``__italic__``, ``[label](url)``
and ``{placeholders}``; placeholder values are inserted as plain spans and never parsed.
``{count:signatures}`` is the plural phrase ``signatures`` for the number in ``count``: the
caller's :data:`PluralForms` picks the form's template, in which ``{n}`` is that number.
Numbers are written as the message's language writes them (Babel's CLDR data): "100,000"
in English, "100.000" in Spanish; a ``Decimal`` keeps one decimal ("42.5", "42,5").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.numbers import format_decimal
from pydantic import BaseModel, ConfigDict

_TOKEN = re.compile(r"\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)|(?P<bold>\*\*)|(?P<italic>__)")
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")

# (phrase name, number) -> the template of the phrase's plural form for that number, or None
# when the phrase is unknown.
PluralForms = Callable[[str, object], str | None]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style; ``url`` makes it a link.

    A plain dataclass rather than a pydantic model: every message is built from dozens of
    spans, and constructing them was the core's largest cost per message.
    """

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


def render_template(
    template: str,
    values: Mapping[str, object] | None = None,
    plurals: PluralForms | None = None,
    language: str = "en",
) -> Markup:
    """Parse a catalog template and fill its placeholders with plain (unparsed) values;
    numbers are written the way ``language`` writes them."""
    values = values or {}
    spans: list[Span] = []
    for piece in _parse(template):
        if piece.kind == "text":
            spans.append(_span(piece.text, piece.bold, piece.italic))
        elif piece.kind == "link":
            label = _substitute(piece.text, values, plurals, language)
            url = _substitute(piece.url, values, plurals, language)
            spans.append(_span(label, piece.bold, piece.italic, url))
        elif isinstance(value := _value(piece, values, plurals, language), Markup):
            spans.extend(
                _span(span.text, span.bold or piece.bold, span.italic or piece.italic, span.url)
                for span in value.spans
            )
        else:
            spans.append(_span(_format_value(value, language), piece.bold, piece.italic))
    return Markup.model_construct(spans=tuple(span for span in spans if span.text))


def _value(
    piece: _Piece, values: Mapping[str, object], plurals: PluralForms | None, language: str
) -> object:
    """A placeholder's value; one left unfilled shows as written, so it is easy to spot."""
    if piece.plural:  # the phrase's form for the number, in which {n} is that number
        number = values.get(piece.text)
        form = plurals(piece.plural, number) if plurals and number is not None else None
        if form is None:
            return "{" + piece.text + ":" + piece.plural + "}"
        return render_template(form, {**values, "n": number}, plurals, language)
    return values.get(piece.text, "{" + piece.text + "}")


@dataclass(frozen=True)
class _Piece:
    """A parsed template part: literal text, a placeholder (``text`` is its name), or a link.

    ``plural`` is the plural phrase a placeholder names (``{count:signatures}``), if any.
    """

    kind: str
    text: str
    bold: bool
    italic: bool
    url: str = ""
    plural: str = ""


@lru_cache(maxsize=4096)
def _parse(template: str) -> tuple[_Piece, ...]:
    """Templates are parsed once; the catalog holds a few hundred of them."""
    pieces: list[_Piece] = []
    bold = italic = False
    position = 0
    for match in _TOKEN.finditer(template):
        pieces.extend(_split_placeholders(template[position : match.start()], bold, italic))
        if match["bold"]:
            bold = not bold
        elif match["italic"]:
            italic = not italic
        else:
            pieces.append(_Piece("link", match["label"], bold, italic, match["url"]))
        position = match.end()
    pieces.extend(_split_placeholders(template[position:], bold, italic))
    return tuple(pieces)


def _split_placeholders(text: str, bold: bool, italic: bool) -> Iterator[_Piece]:
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        yield _Piece("text", text[position : match.start()], bold, italic)
        yield _Piece("placeholder", match[1], bold, italic, plural=match[2] or "")
        position = match.end()
    yield _Piece("text", text[position:], bold, italic)


def _substitute(
    text: str, values: Mapping[str, object], plurals: PluralForms | None, language: str
) -> str:
    def value(match: re.Match[str]) -> str:
        piece = _Piece("placeholder", match[1], False, False, plural=match[2] or "")
        found = _value(piece, values, plurals, language)
        if isinstance(found, Markup):
            return found.to_plain_text()
        return _format_value(found, language)

    return _PLACEHOLDER.sub(value, text)


def _span(text: str, bold: bool, italic: bool, url: str | None = None) -> Span:
    return Span(text, bold, italic, url)


def _format_value(value: object, language: str) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        if language == "en":  # what Babel writes for English, at a fraction of the cost
            return f"{value:,}"
        return format_decimal(value, locale=_locale(language))
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.0", locale=_locale(language))
    return str(value)


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    """The CLDR locale whose number rules a message follows; English for an unknown one."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")
