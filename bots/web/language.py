"""The language a public page (the widget, the poster) is written in, and its words:
``?lang=`` if it names a shipped one, else the visitor's ``Accept-Language`` (best first by
its ``q`` weights), else the petition's own."""

from __future__ import annotations

import json
from dataclasses import dataclass

from babel import Locale
from babel.numbers import format_decimal

from core.catalog import Catalog
from core.commands.language import shipped
from core.config import PetitionConfig


def page_language(
    catalog: Catalog, wanted: str | None, accept_language: str | None, default: str
) -> str:
    """A shipped language for the page; ``default`` (the petition's language) otherwise."""
    for tag in ([wanted] if wanted else []) + _preferred(accept_language or ""):
        language = shipped(catalog, tag)
        if language is not None:
            return language
    return catalog.resolve(default)


def _preferred(header: str) -> list[str]:
    """The header's language tags, the most wanted first (``*`` and ``q=0`` left out)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):  # a visitor's header: bounded
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


@dataclass(frozen=True)
class PageWords:
    """The words of the widget and the poster in one language: the noun by plural form (the
    widget's script picks the form for each live count with the browser's Intl rules)."""

    language: str
    noun: dict[str, str]
    of_goal: str
    sign_on: str  # with {platform}
    progress: str
    scan_to_sign: str  # with {link}

    @classmethod
    def of(cls, catalog: Catalog, language: str, petition: PetitionConfig) -> PageWords:
        """The words from the catalog, with the petition's overrides."""

        def text(key: str) -> str:
            return catalog.render(key, language, petition.messages).to_plain_text()

        forms = catalog.plural_phrases(language).get("widget_noun")
        forms = forms or catalog.plural_phrases("en")["widget_noun"]
        return cls(
            language=language,
            noun=dict(forms),
            of_goal=text("widget_of_goal"),
            sign_on=catalog.template("widget_sign_on", language, petition.messages),
            progress=text("widget_progress"),
            scan_to_sign=catalog.template("poster_scan", language, petition.messages),
        )

    def noun_for(self, count: int) -> str:
        """The noun for ``count`` by the language's CLDR plural rule."""
        form = Locale.parse(self.language).plural_form(count)
        return self.noun.get(form, self.noun["other"])

    def number(self, value: int) -> str:
        """``value`` as the language writes numbers (1,234 or 1.234)."""
        return format_decimal(value, locale=self.language)

    def script_json(self) -> str:
        """For the page's script; no ``<`` can end the script element early."""
        words = {"lang": self.language, "noun": self.noun}
        return json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")


ENGLISH = PageWords(
    language="en",
    noun={"one": "signature", "other": "signatures"},
    of_goal="of",
    sign_on="Sign on {platform}",
    progress="Signatures toward the goal",
    scan_to_sign="Scan to sign: {link}",
)
