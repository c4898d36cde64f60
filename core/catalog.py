"""Every sentence the bot says, loaded from ``core/locales/<language>.toml``.

Organizers override any sentence per petition (``[petitions.messages]``); adding a language
is adding a file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from core.markup import Markup, render_template

DEFAULT_LANGUAGE = "en"


class MissingMessage(KeyError):
    """A message key is not in the catalog: a bug, or an override naming an unknown key."""


class Catalog:
    """Message templates per language, falling back to English."""

    def __init__(self, languages: Mapping[str, Mapping[str, str]]) -> None:
        if DEFAULT_LANGUAGE not in languages:
            raise MissingMessage(f"the catalog needs a '{DEFAULT_LANGUAGE}' language")
        self._languages = {lang: dict(messages) for lang, messages in languages.items()}

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalog:
        """Read every ``*.toml`` file of the locales folder; the file name is the language."""
        folder = directory or Path(str(resources.files("core") / "locales"))
        languages = {}
        for path in sorted(folder.glob("*.toml")):
            with path.open("rb") as handle:
                languages[path.stem] = {k: str(v) for k, v in tomllib.load(handle).items()}
        return cls(languages)

    @property
    def keys(self) -> frozenset[str]:
        """The keys of the default language, which every other language may override."""
        return frozenset(self._languages[DEFAULT_LANGUAGE])

    def template(
        self, key: str, language: str | None = None, overrides: Mapping[str, str] | None = None
    ) -> str:
        """The raw template for ``key``: petition override, then language, then English."""
        if overrides and key in overrides:
            return overrides[key]
        lang = (language or DEFAULT_LANGUAGE).split("-")[0].lower()
        for messages in (self._languages.get(lang, {}), self._languages[DEFAULT_LANGUAGE]):
            if key in messages:
                return messages[key]
        raise MissingMessage(key)

    def render(
        self,
        key: str,
        language: str | None = None,
        overrides: Mapping[str, str] | None = None,
        **values: object,
    ) -> Markup:
        """The message for ``key`` with its placeholders filled as plain text."""
        return render_template(self.template(key, language, overrides), values)
