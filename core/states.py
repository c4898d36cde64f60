"""Conversations in progress, one typed state per kind, saved after every step.

A person has at most one at a time (the store keeps one per platform account): signing a
petition, confirming a withdrawal, or an organizer's broadcast draft. Each is its own model
with only the fields it needs, told apart by ``kind`` when read back from the store.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, model_validator


class SigningStep(StrEnum):
    """Where a signer is in the signing conversation."""

    CONFIRM = "confirm"  # pitch shown, "sign?"
    FIELD = "field"  # asking one field at a time
    FORM = "form"  # a native form is open
    CONSENT = "consent"  # updates yes/no
    SUMMARY = "summary"  # confirm or edit
    EDIT = "edit"  # choosing which field to change


class DraftStep(StrEnum):
    """Where an organizer is in composing a broadcast."""

    TEXT = "text"  # typing the announcement
    AUDIENCE = "audience"  # choosing who gets it
    PREVIEW = "preview"  # Confirm or Cancel (or add the text in another language)
    TRANSLATION = "translation"  # typing the text in ``BroadcastDraft.language``


class BaseState(BaseModel):
    """What every conversation in progress has: whose it is, its nonce, its last step's time."""

    platform: str
    user_id: str
    nonce: str  # part of every button's data, so buttons from older conversations are stale
    updated_at: datetime


class SigningState(BaseState):
    """A signature being given: the answers so far and where the signer is."""

    kind: Literal["signing"] = "signing"
    petition: str
    step: SigningStep
    field_index: int = 0
    answers: dict[str, str] = Field(default_factory=dict)
    opted_in: bool | None = None
    editing: bool = False
    used_form: bool = False
    form_error: str | None = None  # why the last submitted form was refused, shown on re-open
    source: str | None = None
    referrer_code: str | None = None


class WithdrawalState(BaseState):
    """A withdrawal asked for and not confirmed yet; nothing is erased before it is."""

    kind: Literal["withdrawal"] = "withdrawal"
    petition: str


class BroadcastDraft(BaseState):
    """An organizer's announcement being composed; the broadcast row exists from the preview."""

    kind: Literal["broadcast"] = "broadcast"
    step: DraftStep
    text: str = ""
    broadcast_id: int | None = None  # the stored draft the preview shows
    language: str | None = None  # the language of the translation being typed

    @model_validator(mode="after")
    def _previews_have_a_broadcast(self) -> BroadcastDraft:
        stored = self.step in (DraftStep.PREVIEW, DraftStep.TRANSLATION)
        if stored != (self.broadcast_id is not None):
            raise ValueError("broadcast_id is given exactly at the preview and translation steps")
        if (self.step is DraftStep.TRANSLATION) != (self.language is not None):
            raise ValueError("language is given exactly at the translation step")
        return self


class ExpiredState(BaseState):
    """What the sweep leaves of a conversation idle past the timeout: whose it was and its
    last step's time, nothing typed into it; the person's next message is told it expired."""

    kind: Literal["expired"] = "expired"


ConversationState = Annotated[
    SigningState | WithdrawalState | BroadcastDraft | ExpiredState, Field(discriminator="kind")
]

_STATE: TypeAdapter[ConversationState] = TypeAdapter(ConversationState)


def state_from_json(raw: str | bytes) -> ConversationState:
    """A stored state read back as the type its ``kind`` names."""
    return _STATE.validate_json(raw)
