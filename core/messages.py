"""The seam every adapter shares: what arrives (`Inbound`) and what the core answers."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.markup import Markup

# Anything longer is cut before the core looks at it, so nothing unbounded is ever stored.
MAX_INBOUND_TEXT = 4096
# The largest file an adapter downloads for the core (a CSV sheet sent to /import): about
# 20,000 rows. Bigger sheets go through `petition-bot import` on the server.
MAX_INBOUND_FILE_BYTES = 2_000_000
# Lone surrogates (bytes read with surrogateescape, a lone "\ud83d" escape in JSON) can't
# be written as UTF-8, so storing them would fail: they become U+FFFD on the way in.
_SURROGATE = re.compile("[\ud800-\udfff]")


# How a platform counts the length of a message (see core/fitting.py).
TextUnit = Literal["characters", "utf16"]


class Capabilities(BaseModel):
    """What a platform can do, declared by its adapter so the core decides once for all.

    Long text is cut to ``max_text_length`` counted in ``text_length_unit``
    (`core.fitting.fit`); buttons whose data exceed ``max_choice_data_bytes`` are left out.
    """

    model_config = ConfigDict(frozen=True)

    max_text_length: int = Field(default=4096, ge=1)
    text_length_unit: TextUnit = "characters"
    max_choice_data_bytes: int = Field(default=64, ge=1)
    native_forms: bool = False
    max_form_fields: int = 0
    private_replies_in_groups: bool = False
    # Whether a person can send the bot a file (attached to a command, such as /import).
    accepts_files: bool = False
    deep_link_template: str | None = None  # e.g. "https://t.me/bot?start={payload}"


class InboundKind(StrEnum):
    COMMAND = "command"
    TEXT = "text"
    CHOICE = "choice"
    FORM = "form"


class Identity(BaseModel):
    """Who did something and where: built by each adapter in one place, from its event."""

    model_config = ConfigDict(frozen=True)

    platform: str
    user_id: str
    chat_id: str
    display_name: str = ""
    language: str | None = None
    private: bool = True
    group_ids: tuple[str, ...] = ()  # platform role/group ids the user holds

    @field_validator("display_name")
    @classmethod
    def _cap_name(cls, value: str) -> str:
        return _encodable(value[:MAX_INBOUND_TEXT])

    @property
    def user_key(self) -> str:
        """``platform:user_id``, the form roles are configured in."""
        return f"{self.platform}:{self.user_id}"


class InboundFile(BaseModel):
    """A file a person sent with a command; ``content`` is ``None`` when it was larger than
    `MAX_INBOUND_FILE_BYTES`, and so not downloaded."""

    model_config = ConfigDict(frozen=True)

    filename: str = Field(max_length=255)
    size: int = Field(ge=0)
    content: bytes | None = None


class Inbound(BaseModel):
    """One thing a person did: a command, free text, a pressed button or a submitted form.

    ``who`` says who and where; its fields read through (``inbound.user_id``). Built flat
    (``Inbound(platform=..., user_id=..., kind=...)``) the identity is gathered into ``who``.
    """

    model_config = ConfigDict(frozen=True)

    who: Identity
    kind: InboundKind
    command: str | None = None
    args: tuple[str, ...] = ()
    text: str = ""
    form_id: str = ""
    form: dict[str, str] = Field(default_factory=dict)
    # The platform's id of this message when the platform redelivers what was not
    # confirmed (a Telegram update_id): it was recorded in the inbox (core/inbox.py).
    message_id: str | None = None
    attachment: InboundFile | None = None

    @model_validator(mode="before")
    @classmethod
    def _gather_identity(cls, data: Any) -> Any:
        if isinstance(data, dict) and "who" not in data:
            fields = Identity.model_fields
            who = {key: value for key, value in data.items() if key in fields}
            data = {key: value for key, value in data.items() if key not in fields}
            data["who"] = who
        return data

    @property
    def platform(self) -> str:
        return self.who.platform

    @property
    def user_id(self) -> str:
        return self.who.user_id

    @property
    def chat_id(self) -> str:
        return self.who.chat_id

    @property
    def display_name(self) -> str:
        return self.who.display_name

    @property
    def language(self) -> str | None:
        return self.who.language

    @property
    def private(self) -> bool:
        return self.who.private

    @property
    def group_ids(self) -> tuple[str, ...]:
        return self.who.group_ids

    @property
    def user_key(self) -> str:
        """``platform:user_id``, the form roles are configured in."""
        return self.who.user_key

    @field_validator("text")
    @classmethod
    def _cap_text(cls, value: str) -> str:
        return _encodable(value[:MAX_INBOUND_TEXT])

    @field_validator("command")
    @classmethod
    def _clean_command(cls, value: str | None) -> str | None:
        return None if value is None else _encodable(value[:MAX_INBOUND_TEXT])

    @field_validator("args")
    @classmethod
    def _cap_args(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_encodable(arg[:MAX_INBOUND_TEXT]) for arg in value[:20])

    @field_validator("form")
    @classmethod
    def _cap_form(cls, value: dict[str, str]) -> dict[str, str]:
        items = list(value.items())[:10]
        return {_encodable(key[:64]): _encodable(text[:MAX_INBOUND_TEXT]) for key, text in items}


class Choice(BaseModel):
    """A button: the label people see and the short data the core gets back when pressed."""

    model_config = ConfigDict(frozen=True)

    label: str
    data: str


class LinkButton(BaseModel):
    """A button that opens a web address or a private chat with the bot."""

    model_config = ConfigDict(frozen=True)

    label: str
    url: str


class FormField(BaseModel):
    """One input of a native form (a Discord modal text input)."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    placeholder: str = ""
    value: str = ""
    max_length: int = 100
    required: bool = True


class FormRequest(BaseModel):
    """Ask for several fields at once on platforms with native forms."""

    model_config = ConfigDict(frozen=True)

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    error: str | None = None


class Attachment(BaseModel):
    """A file to send along: a CSV export or a PNG chart."""

    model_config = ConfigDict(frozen=True)

    filename: str
    content: bytes
    mime_type: str


class Outbound(BaseModel):
    """One message from the core.

    ``private`` means "for this person's eyes only" (personal data, refusals): an adapter
    shows it ephemerally or in the person's private chat, never to a group.
    """

    model_config = ConfigDict(frozen=True)

    text: Markup
    choices: tuple[tuple[Choice, ...], ...] = ()
    form: FormRequest | None = None
    file: Attachment | None = None
    links: tuple[LinkButton, ...] = ()
    private: bool = False


def _encodable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)
