"""The campaign as an organizer configures it: petitions, roles and conversation settings."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
ROLE_ENTRY = re.compile(r"^[a-z]+:[A-Za-z0-9_.-]{1,64}$")
CHANNEL_ENTRY = re.compile(r"^[a-z]+:@?[A-Za-z0-9_.-]{1,64}$")


class FieldName(StrEnum):
    """Personal details a petition may ask for, in the order it asks."""

    NAME = "name"
    EMAIL = "email"
    POSTAL_CODE = "postal_code"


class EmailAliases(StrEnum):
    """Whether a mailbox's aliases count as one signer; a per-petition choice."""

    DISTINCT = "distinct"  # jane+news@gmail.com and jane@gmail.com are two addresses
    MERGE = "merge"  # a +tag is dropped (every domain), and the dots of a Gmail address


class PetitionConfig(BaseModel):
    """One petition: its words, its goal, what it collects and the consent signers give."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str
    title: str = Field(min_length=1, max_length=200)
    pitch: str = Field(min_length=1, max_length=3000)
    statement: str = Field(min_length=1, max_length=2000)
    addressed_to: str = Field(min_length=1, max_length=200)
    site_url: HttpUrl | None = None
    goal: int = Field(gt=0)
    fields: tuple[FieldName, ...] = (FieldName.NAME, FieldName.EMAIL, FieldName.POSTAL_CODE)
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    consent_text: str = Field(min_length=1, max_length=1000)
    consent_version: str = Field(min_length=1, max_length=40)
    default: bool = False
    # How addresses are compared for one signature per address (see core.fields.email_key).
    email_aliases: EmailAliases = EmailAliases.DISTINCT
    messages: dict[str, str] = Field(default_factory=dict)
    # Channels a confirmed broadcast is also posted to once, e.g. "telegram:@dontrunjoe".
    announce_channels: tuple[str, ...] = ()

    @field_validator("announce_channels")
    @classmethod
    def _channels_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if not CHANNEL_ENTRY.match(entry):
                raise ValueError(f"{entry!r} should look like 'telegram:@channel' or 'discord:123'")
        return value

    @field_validator("slug")
    @classmethod
    def _slug_shape(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("use 1-32 lowercase letters, digits and dashes, e.g. 'dont-run-joe'")
        return value

    @field_validator("fields")
    @classmethod
    def _fields_unique(cls, value: tuple[FieldName, ...]) -> tuple[FieldName, ...]:
        if not value:
            raise ValueError("list at least one field, e.g. ['name', 'email']")
        if len(set(value)) != len(value):
            raise ValueError("each field may appear once")
        return value


class RolesConfig(BaseModel):
    """Who may use moderator and organizer commands: ``platform:id`` entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organizers: frozenset[str] = frozenset()
    moderators: frozenset[str] = frozenset()
    # Platform groups (Discord role ids) written "platform:id" as well.
    organizer_groups: frozenset[str] = frozenset()
    moderator_groups: frozenset[str] = frozenset()

    @field_validator("organizers", "moderators", "organizer_groups", "moderator_groups")
    @classmethod
    def _entries_shape(cls, value: frozenset[str]) -> frozenset[str]:
        for entry in value:
            if not ROLE_ENTRY.match(entry):
                raise ValueError(f"{entry!r} should look like 'telegram:123456' or 'console:alice'")
        return value


class ConversationConfig(BaseModel):
    """How long an unfinished signing waits for its signer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    idle_timeout_hours: float = Field(default=24, gt=0)


class BroadcastConfig(BaseModel):
    """How fast broadcasts go out on each platform, and how they report progress."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rates: dict[str, float] = Field(default_factory=dict)  # messages per second, by platform
    default_rate: float = Field(default=5.0, gt=0)
    progress_interval_seconds: float = Field(default=3.0, ge=1)
    max_attempts: int = Field(default=3, ge=1, le=10)

    @field_validator("rates")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for platform, rate in value.items():
            if rate <= 0:
                raise ValueError(f"the rate for {platform} must be > 0 messages per second")
        return value

    def rate(self, platform: str) -> float:
        return self.rates.get(platform, self.default_rate)


class CampaignConfig(BaseModel):
    """Everything the core needs to know about the campaign."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petitions: tuple[PetitionConfig, ...]
    roles: RolesConfig = RolesConfig()
    conversation: ConversationConfig = ConversationConfig()
    broadcasts: BroadcastConfig = BroadcastConfig()

    @model_validator(mode="after")
    def _one_default(self) -> CampaignConfig:
        if not self.petitions:
            raise ValueError("configure at least one [[petitions]] entry")
        slugs = [p.slug for p in self.petitions]
        if len(set(slugs)) != len(slugs):
            raise ValueError("petition slugs must be unique")
        if sum(p.default for p in self.petitions) > 1:
            raise ValueError("only one petition may have default = true")
        return self

    @property
    def default_petition(self) -> PetitionConfig:
        """The petition `/sign` means when no slug is given."""
        return next((p for p in self.petitions if p.default), self.petitions[0])

    def petition(self, slug: str | None) -> PetitionConfig | None:
        """The petition with this slug, the default one for ``None``."""
        if slug is None:
            return self.default_petition
        return next((p for p in self.petitions if p.slug == slug.lower()), None)
