"""The language a public page is written in: ``?lang=`` if it names a shipped one, else the
visitor's ``Accept-Language`` (best first by its ``q`` weights), else the petition's own."""

from __future__ import annotations

from core.catalog import Catalog
from core.commands.language import shipped


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
