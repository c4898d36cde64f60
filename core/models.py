"""Domain records: signatures, consent, audit entries, and the figures about them.

Conversations in progress have their own typed states in core/states.py.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The platform of a signature imported from a sheet (core/paper/), and the source a tally is
# counted under: no chat platform has these names.
IMPORT_PLATFORM = "import"
TALLY_SOURCE = "tally"


class NewSignature(BaseModel):
    """A validated signature about to be stored."""

    model_config = ConfigDict(frozen=True)

    petition: str
    platform: str
    user_id: str
    name: str | None = None
    email: str | None = None
    # The form the one-signature-per-address rule compares (core.fields.email_key, which
    # depends on the petition); computed by the core so every store uses the same rule.
    email_key: str | None = None
    postal_code: str | None = None
    country: str
    source: str | None = None
    referrer_code: str | None = None
    ref_code: str
    consent_version: str
    opted_in: bool
    signed_at: datetime
    # Waiting for the emailed code (a petition with confirm_email): counted apart, no updates.
    pending: bool = False
    # The language the signer was answered in (its /stats counter, their broadcasts), and
    # the language of the consent text they agreed to (versions are per language).
    language: str = "en"
    consent_language: str = "en"

    @model_validator(mode="after")
    def _key_comes_with_email(self) -> NewSignature:
        if (self.email is None) != (self.email_key is None):
            raise ValueError("email_key is given exactly when email is")
        return self


class Signature(BaseModel):
    """A stored signature; withdrawn ones keep only the anonymous tombstone fields."""

    model_config = ConfigDict(frozen=True)

    id: int
    petition: str
    platform: str
    user_id: str
    name: str | None
    email: str | None
    postal_code: str | None
    country: str | None
    source: str | None
    referrer_code: str | None
    ref_code: str
    consent_version: str
    consent_at: datetime
    opted_in: bool
    opted_in_at: datetime
    signed_at: datetime
    withdrawn_at: datetime | None = None
    pending: bool = False  # not confirmed by its emailed code yet
    language: str = "en"  # the language the signer was answered in
    consent_language: str = "en"  # the language of the consent text agreed to

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class EmailCode(BaseModel):
    """The confirmation code of one pending signature: only its hash, and what limits it."""

    model_config = ConfigDict(frozen=True)

    signature_id: int
    code_hash: str
    expires_at: datetime
    wrong_tries: int = 0
    emails_sent: int = 0  # emails that reached the mail server, over every code of the signature
    last_sent_at: datetime | None = None
    # When the background sender should (re)try: set until a send succeeds.
    send_due_at: datetime | None = None
    send_failures: int = 0


class ConsentRecord(BaseModel):
    """One consent given or changed: to the processing of the details (with the version of
    the text agreed to), or the yes/no to campaign updates."""

    model_config = ConfigDict(frozen=True)

    signature_id: int
    kind: str  # "processing" or "updates"
    granted: bool
    text_version: str | None = None
    language: str | None = None  # of the consent text (processing consents)
    at: datetime


class DayCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    count: int


class Stats(BaseModel):
    """The figures behind `/stats`, read from counters, never from a scan of signatures."""

    model_config = ConfigDict(frozen=True)

    petition: str
    total: int  # confirmed signatures, imported ones and tallies included
    today: int
    last_days: tuple[DayCount, ...]
    by_platform: dict[str, int]
    by_source: dict[str, int]
    top_referrers: tuple[tuple[str, int], ...]
    pending: int = 0  # waiting for their emailed code, not in any figure above
    # Of ``total``: rows imported from sheets (core/paper/) and numbers added as tallies.
    imported: int = 0
    tallied: int = 0
    by_language: dict[str, int] = Field(default_factory=dict)

    @property
    def online(self) -> int:
        """Signatures given in a chat: the total less the imported and tallied ones."""
        return self.total - self.imported - self.tallied


class Tally(BaseModel):
    """Signatures counted without anyone's details (clipboards, a box of cards): a number,
    a note saying where it comes from, who added it and when."""

    model_config = ConfigDict(frozen=True)

    petition: str
    count: int
    note: str
    actor: str
    at: datetime


class RecentSignature(BaseModel):
    """What moderators see of a recent signer: first name and initial only."""

    model_config = ConfigDict(frozen=True)

    display: str
    platform: str
    signed_at: datetime


class AuditEntry(BaseModel):
    """One privileged action: who did what, to which petition, when."""

    model_config = ConfigDict(frozen=True)

    actor: str
    action: str
    petition: str | None = None
    detail: str = ""
    at: datetime
