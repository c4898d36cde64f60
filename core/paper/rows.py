"""One sheet row as a signature, by the same validators the signing conversation uses.

The petition's ``fields`` decide what a row must hold; a field it does not collect is left
out even when the sheet has it (nothing is stored that the petition does not ask for).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from core.config import FieldName, PetitionConfig
from core.errors import BadInput
from core.fields import InvalidField, email_key, validate_field
from core.models import IMPORT_PLATFORM, NewSignature
from core.paper.sheet import SheetField, SheetRow

PAPER_CONSENT = "paper form"
# Where a sheet comes from, e.g. ``paper:rally-2026-11-12``: a source like any other.
SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$")
# English and Spanish words, as a sheet filled in either may say them.
_YES = frozenset({"yes", "y", "true", "1", "x", "subscribed", "sí", "si", "s"})
_NO = frozenset({"no", "n", "false", "0", "", "unsubscribed"})


class RowRejected(BadInput):
    """A row that can't become a signature: the catalog key of the reason, and its values;
    caught by the import, which reports it and goes on."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class ImportOptions(BaseModel):
    """What the organizer says about the whole sheet."""

    model_config = ConfigDict(frozen=True)

    source: str = "paper"
    consent_version: str  # the version of the paper form people signed
    signed_at: datetime  # when the signatures count (the import's moment unless told)
    dry_run: bool = False
    # The language the paper form was printed in (its consent text's); None: the petition's.
    language: str | None = None


def consent_text_version(form_version: str) -> str:
    """What an imported signature's consent record says it agreed to: ``paper form v3``."""
    return f"{PAPER_CONSENT} {form_version}"


def signature_from_row(
    row: SheetRow, petition: PetitionConfig, options: ImportOptions
) -> NewSignature:
    """The signature a row stands for; raises :class:`RowRejected` with the reason."""
    if row.extra_cells:
        raise RowRejected("import_reject_extra_cells")
    answers: dict[FieldName, str] = {}
    for field in petition.fields:
        raw = _raw(row, field)
        if not raw.strip():
            raise RowRejected("import_reject_missing", field=field.value)
        try:
            answers[field] = validate_field(field, raw, petition.country)
        except InvalidField as exc:
            problem = exc.message_key
            raise RowRejected("import_reject_invalid", field=field.value, problem=problem) from exc
    email = answers.get(FieldName.EMAIL)
    key = email_key(email, petition.email_aliases) if email else None
    return NewSignature(
        petition=petition.slug,
        platform=IMPORT_PLATFORM,
        user_id=_user_id(petition, options, answers),
        name=answers.get(FieldName.NAME),
        email=email,
        email_key=key,
        postal_code=answers.get(FieldName.POSTAL_CODE),
        country=petition.country,
        source=options.source,
        ref_code="i_" + secrets.token_hex(10),  # 80 bits: no collision in millions of rows
        consent_version=consent_text_version(options.consent_version),
        opted_in=_opted_in(row),
        signed_at=options.signed_at,
        # The paper form's language (its consent text, its version): the petition's own
        # unless the organizer names the translation that was printed.
        language=options.language or petition.language,
        consent_language=options.language or petition.language,
    )


def identity_key(new: NewSignature) -> str:
    """What makes two rows of one sheet the same person: the email key, else the account."""
    return new.email_key or new.user_id


def _raw(row: SheetRow, field: FieldName) -> str:
    if field is FieldName.NAME:
        full = row.values.get(SheetField.NAME, "")
        if full.strip():
            return full
        first = row.values.get(SheetField.FIRST_NAME, "")
        last = row.values.get(SheetField.LAST_NAME, "")
        return f"{first} {last}".strip()
    return row.values.get(SheetField(field.value), "")


def _opted_in(row: SheetRow) -> bool:
    """Updates only for a row that says yes: without the column, nobody opted in."""
    value = row.values.get(SheetField.OPTED_IN, "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise RowRejected("import_reject_opt_in")


def _user_id(
    petition: PetitionConfig, options: ImportOptions, answers: dict[FieldName, str]
) -> str:
    """A random id when the row has an email (the address is what makes it one person);
    without one, a digest of name and postal code within the source, so a second import of
    the same sheet finds the row again instead of adding it twice."""
    if FieldName.EMAIL in answers:
        return "sheet-" + secrets.token_hex(8)
    person = "\x1f".join(
        (
            petition.slug,
            options.source,
            answers.get(FieldName.NAME, "").casefold(),
            answers.get(FieldName.POSTAL_CODE, ""),
        )
    )
    return "sheet-" + hashlib.sha256(person.encode()).hexdigest()[:32]
