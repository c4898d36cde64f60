"""Validation of the personal details a signer gives; one rule set for every platform."""

from __future__ import annotations

import re
import unicodedata

import regex
from email_validator import EmailNotValidError, validate_email

from core.config import EmailAliases, FieldName
from core.errors import BadInput

NAME_MAX = 100
# Unicode's Default_Ignorable_Code_Point (characters that render as nothing: zero-width spaces
# and joiners, bidi marks, overrides and isolates, soft hyphen, Hangul fillers, variation
# selectors, tag characters) and control characters: invisible, and used to disguise text or
# to pass off a blank name. The joiners are set apart: inside a word they shape its letters.
_INVISIBLE = regex.compile(
    r"[[\p{Default_Ignorable_Code_Point}\p{Cc}]--[\u200c\u200d]]", flags=regex.V1
)
_JOINERS = regex.compile(r"[\u200c\u200d]+")  # ZWNJ, ZWJ
_URL = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|org|net|io|ru|xyz|info|biz|ly)\b)", re.I)
# ASCII only, spelled out: Python's \d and str.isdigit also match Arabic-Indic, Devanagari and
# other digits, which no postal system (or export) reads as a ZIP code.
_US_ZIP = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
_OTHER_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,8}[A-Za-z0-9]$")
_FORMULA_START = ("=", "+", "-", "@")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})  # one mailbox, dots ignored


class InvalidField(BadInput):
    """A value a signer typed is not acceptable; ``message_key`` names the catalog answer."""

    def __init__(self, field: FieldName, message_key: str) -> None:
        super().__init__(f"invalid {field}: {message_key}")
        self.field = field
        self.message_key = message_key


def clean_text(value: str, *, keep_joiners: bool = False) -> str:
    """NFC-normalise, drop invisible characters, collapse inner whitespace, trim.

    With ``keep_joiners`` a ZWJ or ZWNJ between two visible characters stays (one per run):
    it holds a family emoji together and spells Persian "Maryam<ZWNJ>Zadeh"; at a word's edge
    it joins nothing and goes.
    """
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value.replace("\n", " ").replace("\t", " "))
    value = _JOINERS.sub(_joiner_inside_word if keep_joiners else "", value)
    return " ".join(value.split())


def _joiner_inside_word(run: regex.Match[str]) -> str:
    text, start, end = run.string, run.start(), run.end()
    if start == 0 or end == len(text) or text[start - 1].isspace() or text[end].isspace():
        return ""
    joiner: str = run.group()[0]
    return joiner


def validate_name(raw: str) -> str:
    """A full name: 1-100 characters with a visible letter, no links, no formula-like start."""
    name = clean_text(raw, keep_joiners=True)
    if not name:
        raise InvalidField(FieldName.NAME, "error_name_empty")
    if len(name) > NAME_MAX:
        raise InvalidField(FieldName.NAME, "error_name_too_long")
    if not any(ch.isalpha() for ch in name):
        raise InvalidField(FieldName.NAME, "error_name_no_letter")
    if _URL.search(name):
        raise InvalidField(FieldName.NAME, "error_name_url")
    if name.startswith(_FORMULA_START):
        raise InvalidField(FieldName.NAME, "error_name_symbol")
    return name


def public_name(name: str | None) -> str:
    """How a signer is shown to others: first name and the initial of the last, "Jane D."."""
    parts = (name or "").split()
    if not parts:
        return "?"
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def validate_email_address(raw: str) -> str:
    """A deliverable-looking address, checked offline, NFKC-normalised; the domain lowercased."""
    # NFKC: a full-width ｊａｎｅ＠example.org is the address jane@example.org, as typed.
    text = unicodedata.normalize("NFKC", clean_text(raw))
    if not text or len(text) > 254:
        raise InvalidField(FieldName.EMAIL, "error_email")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidField(FieldName.EMAIL, "error_email") from exc
    return f"{result.local_part}@{result.ascii_domain.lower()}"


def email_key(email: str, aliases: EmailAliases) -> str:
    """The form in which two addresses count as one signer (``signatures.email_key``).

    ``email`` is an address as :func:`validate_email_address` returns it. The rule: NFKC, so
    compatibility forms are the address they stand for; the domain case-insensitively, in its
    IDNA (ASCII) form; the local part case-insensitively with ``str.lower()``, not
    ``casefold()``, which would merge distinct mailboxes (``straße@`` is not ``strasse@``).
    With ``EmailAliases.MERGE`` a ``+tag`` is dropped on every domain, and a Gmail address
    loses its dots (``j.a.n.e+news@googlemail.com`` is ``jane@gmail.com``); the address
    stored and exported stays as the signer typed it.
    """
    local, _, domain = unicodedata.normalize("NFKC", email).rpartition("@")
    local, domain = local.lower(), domain.lower()
    if aliases is EmailAliases.MERGE:
        local = local.split("+", 1)[0] or local
        if domain in _GMAIL_DOMAINS:
            local, domain = local.replace(".", "") or local, "gmail.com"
    return f"{local}@{domain}"


def validate_postal_code(raw: str, country: str) -> str:
    """A US ZIP (12345 or 12345-6789), elsewhere 2-10 letters, digits, spaces and dashes.

    Only ASCII letters and digits count; NFKC first turns full-width input (０２１３９) into them.
    """
    code = clean_text(unicodedata.normalize("NFKC", raw))
    pattern = _US_ZIP if country == "US" else _OTHER_POSTAL
    # Matched before upper-casing: "ı".upper() is "I", which would let non-ASCII letters in.
    if not pattern.match(code):
        key = "error_zip_us" if country == "US" else "error_postal_code"
        raise InvalidField(FieldName.POSTAL_CODE, key)
    return code.upper()


def validate_field(field: FieldName, raw: str, country: str) -> str:
    """Validate one field by name; raises :class:`InvalidField` with a catalog key."""
    if field is FieldName.NAME:
        return validate_name(raw)
    if field is FieldName.EMAIL:
        return validate_email_address(raw)
    return validate_postal_code(raw, country)
