"""Every sentence the bot says, loaded from ``core/locales/<language>.toml``.

Organizers override any sentence per petition (``[petitions.messages]``); adding a language
is adding a file.

A message is a string. A phrase that holds a number is a table of its plural forms, named
as in CLDR (``zero``, ``one``, ``two``, ``few``, ``many``, ``other``; each language needs its
own set, English ``one`` and ``other``), with the number written ``{n}``::

    signatures = { one = "{n} signature", other = "{n} signatures" }
    count = "**{title}**: {count:signatures} so far."

``{count:signatures}`` in a template is the phrase ``signatures`` for the number in
``count``; Babel's CLDR plural rules pick the form for the message's language, so a new
language's file brings its own forms and no code changes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.lists import format_list
from babel.plural import PluralRule

from core.errors import ConfigError
from core.markup import Markup, PluralForms, render_template

DEFAULT_LANGUAGE = "en"
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
CATALOG = "core/locales"  # where a missing message is missing from

Forms = Mapping[str, str]


class MissingMessage(ConfigError):
    """A message key is not in the catalog: a bug, or an override naming an unknown key."""

    def __init__(self, problem: str) -> None:
        super().__init__(CATALOG, [problem])


class Catalog:
    """Message templates and plural phrases per language, falling back to English."""

    def __init__(
        self,
        languages: Mapping[str, Mapping[str, str]],
        plurals: Mapping[str, Mapping[str, Forms]] | None = None,
    ) -> None:
        if DEFAULT_LANGUAGE not in languages:
            raise MissingMessage(f"the catalog needs a '{DEFAULT_LANGUAGE}' language")
        self._languages = {lang: dict(messages) for lang, messages in languages.items()}
        self._plurals = {lang: dict(phrases) for lang, phrases in (plurals or {}).items()}
        for lang, phrases in self._plurals.items():
            for name, forms in phrases.items():
                if "other" not in forms or not set(forms) <= PLURAL_FORMS:
                    raise MissingMessage(f"{lang}.{name}: plural forms need 'other', saw {forms}")

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalog:
        """Read every ``*.toml`` file of the locales folder; the file name is the language."""
        folder = directory or Path(str(resources.files("core") / "locales"))
        languages: dict[str, dict[str, str]] = {}
        plurals: dict[str, dict[str, Forms]] = {}
        for path in sorted(folder.glob("*.toml")):
            with path.open("rb") as handle:
                entries = tomllib.load(handle)
            languages[path.stem] = {k: v for k, v in entries.items() if isinstance(v, str)}
            plurals[path.stem] = {
                k: {form: str(text) for form, text in v.items()}
                for k, v in entries.items()
                if isinstance(v, dict)
            }
        return cls(languages, plurals)

    @property
    def keys(self) -> frozenset[str]:
        """The keys of the default language, which every other language may override."""
        return frozenset(self._languages[DEFAULT_LANGUAGE])

    @property
    def languages(self) -> frozenset[str]:
        """The languages that have a catalog file."""
        return frozenset(self._languages)

    def resolve(self, language: str | None) -> str:
        """The shipped language a message in ``language`` is written in (``es-MX`` → ``es``);
        English for one without a file."""
        base = _base(language)
        return base if base in self._languages else DEFAULT_LANGUAGE

    def messages_of(self, language: str) -> Mapping[str, str]:
        """The messages a language's file defines, by key (for checks)."""
        return self._languages.get(language, {})

    def plural_phrases(self, language: str) -> Mapping[str, Forms]:
        """The plural phrases a language's file defines, by name (for checks)."""
        return self._plurals.get(language, {})

    def template(
        self, key: str, language: str | None = None, overrides: Mapping[str, str] | None = None
    ) -> str:
        """The raw template for ``key``: petition override, then language, then English."""
        if overrides and key in overrides:
            return overrides[key]
        own = self._languages.get(_base(language), {})
        for messages in (own, self._languages[DEFAULT_LANGUAGE]):
            if key in messages:
                return messages[key]
        raise MissingMessage(f"no message {key!r}")

    def plural(self, name: str, number: object, language: str | None = None) -> str | None:
        """The template of phrase ``name``'s form for ``number``, in the language that has it."""
        for lang in (_base(language), DEFAULT_LANGUAGE):
            forms = self._plurals.get(lang, {}).get(name)
            if forms is not None:
                if not isinstance(number, int | float):
                    return forms["other"]
                return forms.get(_plural_rule(lang)(number), forms["other"])
        return None

    def listing(self, items: Sequence[str], language: str | None = None) -> str:
        """Words joined as a list in a sentence ("a, b, and c"), by CLDR's rule for the language."""
        lang = _base(language) if _base(language) in self._languages else DEFAULT_LANGUAGE
        return format_list(list(items), locale=lang)

    def render(
        self,
        key: str,
        language: str | None = None,
        overrides: Mapping[str, str] | None = None,
        **values: object,
    ) -> Markup:
        """The message for ``key`` with its placeholders filled as plain text."""
        template = self.template(key, language, overrides)
        forms = self._forms_for(language)
        return render_template(template, values, forms, self.resolve(language))

    def _forms_for(self, language: str | None) -> PluralForms:
        def forms(name: str, number: object) -> str | None:
            return self.plural(name, number, language)

        return forms


def language_name(language: str, *, in_sentence: bool = False, reader: str | None = None) -> str:
    """A language's name in itself, as a speaker looks for it: "Español" on a button,
    "español" inside a Spanish sentence; in ``reader``'s language when given ("Spanish")."""
    name = Locale.parse(language).get_display_name(_base(reader or language)) or language
    return name if in_sentence else name[:1].upper() + name[1:]


def _base(language: str | None) -> str:
    """``pt-BR`` → ``pt``: catalog files are per language, not per region."""
    return (language or DEFAULT_LANGUAGE).split("-")[0].split("_")[0].lower()


@lru_cache(maxsize=64)
def _plural_rule(language: str) -> PluralRule:
    """CLDR's plural rule of a language that has a catalog file (so Babel knows it)."""
    return Locale.parse(language).plural_form
