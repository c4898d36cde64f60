"""Slash command descriptions in every shipped language: discord.py asks this translator for
each Discord locale when the commands are published (``description_localizations``), and
Discord shows each member the description in their client's language."""

from __future__ import annotations

import discord
from discord import app_commands

from core.catalog import DEFAULT_LANGUAGE, Catalog

DESCRIPTION_LIMIT = 100  # Discord's limit for a slash command's description
CATALOG_KEY = "catalog_key"  # the catalog message a translatable string names


def described(english: str, key: str) -> app_commands.locale_str:
    """A description in English that the translator can give in other languages."""
    return app_commands.locale_str(english[:DESCRIPTION_LIMIT], **{CATALOG_KEY: key})


class CatalogTranslator(app_commands.Translator):
    """Descriptions from the catalog (``command_<name>``) for the locales of shipped languages;
    other locales, and English ones, get the English default."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get(CATALOG_KEY)
        language = self._catalog.resolve(locale.value)  # "es-ES", "es-419" → "es"
        if key is None or language == DEFAULT_LANGUAGE:
            return None
        return self._catalog.render(key, language).to_plain_text()[:DESCRIPTION_LIMIT]
