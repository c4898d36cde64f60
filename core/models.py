"""Domain records: signatures, consent, conversations in progress, and the figures about them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


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

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class ConsentRecord(BaseModel):
    """One consent given or changed: to the processing of the details (with the version of
    the text agreed to), or the yes/no to campaign updates."""

    model_config = ConfigDict(frozen=True)

    signature_id: int
    kind: str  # "processing" or "updates"
    granted: bool
    text_version: str | None = None
    at: datetime


class Step(StrEnum):
    """Where a signer is in the signing conversation."""

    CONFIRM = "confirm"  # pitch shown, "sign?"
    FIELD = "field"  # asking one field at a time
    FORM = "form"  # a native form is open
    CONSENT = "consent"  # updates yes/no
    SUMMARY = "summary"  # confirm or edit
    EDIT = "edit"  # choosing which field to change
    WITHDRAW = "withdraw"  # confirming a withdrawal
    BROADCAST_TEXT = "broadcast_text"  # an organizer is typing an announcement
    BROADCAST_AUDIENCE = "broadcast_audience"  # choosing who gets it
    BROADCAST_PREVIEW = "broadcast_preview"  # Confirm or Cancel


BROADCAST_STEPS = frozenset({Step.BROADCAST_TEXT, Step.BROADCAST_AUDIENCE, Step.BROADCAST_PREVIEW})
SIGNING_STEPS = frozenset(
    {Step.CONFIRM, Step.FIELD, Step.FORM, Step.CONSENT, Step.SUMMARY, Step.EDIT}
)


class ConversationState(BaseModel):
    """One person's unfinished conversation, saved after every step to survive restarts."""

    platform: str
    user_id: str
    petition: str
    step: Step
    nonce: str  # part of every button's data, so buttons from older conversations are stale
    field_index: int = 0
    answers: dict[str, str] = Field(default_factory=dict)
    opted_in: bool | None = None
    editing: bool = False
    used_form: bool = False
    form_error: str | None = None  # why the last submitted form was refused, shown on re-open
    source: str | None = None
    referrer_code: str | None = None
    updated_at: datetime


class DayCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    count: int


class Stats(BaseModel):
    """The figures behind `/stats`, read from counters, never from a scan of signatures."""

    model_config = ConfigDict(frozen=True)

    petition: str
    total: int
    today: int
    last_days: tuple[DayCount, ...]
    by_platform: dict[str, int]
    by_source: dict[str, int]
    top_referrers: tuple[tuple[str, int], ...]


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
