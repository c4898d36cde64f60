"""The campaign as an organizer configures it: petitions, roles and conversation settings."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StrictBool,
    field_validator,
    model_validator,
)

from core.alerts.settings import AlertsConfig
from core.bounds import Within
from core.catalog import Catalog
from core.flood import FloodConfig
from core.messages import MAX_INBOUND_TEXT

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
# "platform:id"; an id may be a federated address ("@alice:example.org", a server after a colon).
ROLE_ENTRY = re.compile(r"^[a-z]+:@?[A-Za-z0-9_.=/+-]{1,255}(?::[A-Za-z0-9_.:\[\]-]{1,255})?$")
CHANNEL_ENTRY = re.compile(r"^[a-z]+:@?[A-Za-z0-9_.-]{1,64}$")
MESSAGES_FILE = "core/locales/en.toml"


def _role_entry(entry: str) -> str:
    if not ROLE_ENTRY.match(entry):
        raise ValueError(f"{entry!r} should look like 'telegram:123456' or 'console:alice'")
    return entry


def _channel_entry(entry: str) -> str:
    if not CHANNEL_ENTRY.match(entry):
        raise ValueError(f"{entry!r} should look like 'telegram:@channel' or 'discord:123'")
    return entry


@cache
def _message_keys() -> frozenset[str]:
    return Catalog.load().keys


@cache
def _shipped_languages() -> frozenset[str]:
    return Catalog.load().languages


def _shipped_language(language: str) -> str:
    if language not in _shipped_languages():
        shipped = ", ".join(sorted(_shipped_languages()))
        raise ValueError(f"{language!r} is not a shipped language (core/locales has {shipped})")
    return language


_PLACEHOLDER = re.compile(r"\{(\w+)(?::\w+)?\}")


def _placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def placeholder_problems(messages: dict[str, str], exact: bool) -> list[str]:
    """Overrides that name a placeholder their message never fills (it would show as typed),
    and with ``exact`` also those that leave one out (a translation must say everything)."""
    catalog = Catalog.load()
    problems = []
    for key, text in messages.items():
        if key not in catalog.keys:
            continue  # reported as an unknown key
        wanted, used = _placeholders(catalog.template(key)), _placeholders(text)
        if used - wanted:
            unknown = ", ".join(f"{{{name}}}" for name in sorted(used - wanted))
            fills = ", ".join(f"{{{name}}}" for name in sorted(wanted)) or "none"
            problems.append(f"{key}: {unknown} is not filled in this message (it fills {fills})")
        elif exact and wanted - used:
            missing = ", ".join(f"{{{name}}}" for name in sorted(wanted - used))
            problems.append(f"{key}: lacks {missing}, which the English message says")
    return problems


def _message_key(key: str) -> str:
    if key not in _message_keys():
        close = difflib.get_close_matches(key, sorted(_message_keys()), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"is not a message of {MESSAGES_FILE}{hint}")
    return key


# Each entry of a list is checked on its own, so every bad one is reported with its index.
RoleEntry = Annotated[str, AfterValidator(_role_entry)]
ChannelEntry = Annotated[str, AfterValidator(_channel_entry)]
MessageKey = Annotated[str, AfterValidator(_message_key)]
Language = Annotated[str, AfterValidator(_shipped_language)]
Rate = Annotated[float, Within(0, 1000, " messages per second", above=True)]
RetentionDays = Annotated[int, Within(0, 3650, " days", note="10 years")]


class FieldName(StrEnum):
    """Personal details a petition may ask for, in the order it asks."""

    NAME = "name"
    EMAIL = "email"
    POSTAL_CODE = "postal_code"


class EmailAliases(StrEnum):
    """Whether a mailbox's aliases count as one signer; a per-petition choice."""

    DISTINCT = "distinct"  # jane+news@gmail.com and jane@gmail.com are two addresses
    MERGE = "merge"  # a +tag is dropped (every domain), and the dots of a Gmail address


class PetitionLifecycle(StrEnum):
    """Where a petition is in its life: its configured dates, then an organizer's pause
    (core/lifecycle.py puts the two together)."""

    NOT_OPEN = "not_open"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class PetitionTranslation(BaseModel):
    """A petition's own texts in one more language (``[petitions.translations.es]``); what
    it leaves out is shown in the petition's default language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    pitch: str | None = Field(default=None, min_length=1, max_length=3000)
    statement: str | None = Field(default=None, min_length=1, max_length=2000)
    addressed_to: str | None = Field(default=None, min_length=1, max_length=200)
    # A translated consent text has its own version: each signer's consent names the text
    # they read, in its language.
    consent_text: str | None = Field(default=None, min_length=1, max_length=1000)
    consent_version: str | None = Field(default=None, min_length=1, max_length=40)
    messages: dict[MessageKey, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consent_with_its_version(self) -> PetitionTranslation:
        if (self.consent_text is None) != (self.consent_version is None):
            raise ValueError("consent_text and consent_version go together: give both or neither")
        return self

    @field_validator("messages")
    @classmethod
    def _messages_say_everything(cls, messages: dict[str, str]) -> dict[str, str]:
        problems = placeholder_problems(messages, exact=True)
        if problems:
            raise ValueError("; ".join(problems))
        return messages


class PetitionConfig(BaseModel):
    """One petition: its words, its goal, what it collects and the consent signers give."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str
    title: str = Field(min_length=1, max_length=200)
    pitch: str = Field(min_length=1, max_length=3000)
    statement: str = Field(min_length=1, max_length=2000)
    addressed_to: str = Field(min_length=1, max_length=200)
    site_url: HttpUrl | None = None
    goal: Annotated[int, Within(0, 1_000_000_000, above=True)]
    fields: tuple[FieldName, ...] = (FieldName.NAME, FieldName.EMAIL, FieldName.POSTAL_CODE)
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    consent_text: str = Field(min_length=1, max_length=1000)
    consent_version: str = Field(min_length=1, max_length=40)
    default: StrictBool = False
    # How addresses are compared for one signature per address (see core.fields.email_key).
    email_aliases: EmailAliases = EmailAliases.DISTINCT
    messages: dict[MessageKey, str] = Field(default_factory=dict)
    # Channels a confirmed broadcast is also posted to once, e.g. "telegram:@dontrunjoe".
    announce_channels: tuple[ChannelEntry, ...] = ()
    # Signatures count only once the signer types the 6-digit code emailed to them.
    confirm_email: StrictBool = False
    # When signing opens and closes (TOML datetimes with an offset, e.g. 2026-12-01T09:00:00Z).
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    # Days after closes_at when `petition-bot purge` anonymises the signatures; None: kept
    # until the organizer sets it (the signatures may still have to be handed over).
    retention_days_after_close: RetentionDays | None = None
    # The language of the texts above; [petitions.translations.<language>] adds others.
    language: Language = "en"
    translations: dict[Language, PetitionTranslation] = Field(default_factory=dict)

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

    def in_language(self, language: str) -> PetitionConfig:
        """The petition as a reader of ``language`` sees it: the translation's texts, the
        rest in the default language; message overrides only of that language."""
        if language == self.language:
            return self
        translation = self.translations.get(language) or PetitionTranslation()
        texts = translation.model_dump(exclude={"messages"}, exclude_none=True)
        return self.model_copy(update={**texts, "messages": translation.messages})

    def consent_language(self, language: str) -> str:
        """The language of the consent text a reader of ``language`` is shown."""
        translation = self.translations.get(language)
        if translation is not None and translation.consent_text is not None:
            return language
        return self.language

    def lifecycle_at(self, now: datetime) -> PetitionLifecycle:
        """Where the petition's dates put it at ``now`` (never paused: pauses are stored)."""
        if self.opens_at is not None and now < self.opens_at:
            return PetitionLifecycle.NOT_OPEN
        if self.closes_at is not None and now >= self.closes_at:
            return PetitionLifecycle.CLOSED
        return PetitionLifecycle.OPEN

    @model_validator(mode="after")
    def _closes_after_opening(self) -> PetitionConfig:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be later than opens_at")
        return self

    @model_validator(mode="after")
    def _retention_counts_from_closing(self) -> PetitionConfig:
        if self.retention_days_after_close is not None and self.closes_at is None:
            raise ValueError("retention_days_after_close needs closes_at (it counts from then)")
        return self

    def purge_due_at(self) -> datetime | None:
        """When `purge` may anonymise the signatures; ``None``: not configured to."""
        if self.closes_at is None or self.retention_days_after_close is None:
            return None
        return self.closes_at + timedelta(days=self.retention_days_after_close)

    @model_validator(mode="after")
    def _confirmation_needs_email(self) -> PetitionConfig:
        if self.confirm_email and FieldName.EMAIL not in self.fields:
            raise ValueError("confirm_email = true needs 'email' in fields")
        return self

    @field_validator("messages")
    @classmethod
    def _overrides_fill_their_placeholders(cls, messages: dict[str, str]) -> dict[str, str]:
        problems = placeholder_problems(messages, exact=False)
        if problems:
            raise ValueError("; ".join(problems))
        return messages

    @model_validator(mode="after")
    def _translated_into_other_languages(self) -> PetitionConfig:
        if self.language in self.translations:
            raise ValueError(f"translations.{self.language} is the petition's own language")
        return self


class RolesConfig(BaseModel):
    """Who may use moderator and organizer commands: ``platform:id`` entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organizers: frozenset[RoleEntry] = frozenset()
    moderators: frozenset[RoleEntry] = frozenset()
    # Platform groups (Discord role ids) written "platform:id" as well.
    organizer_groups: frozenset[RoleEntry] = frozenset()
    moderator_groups: frozenset[RoleEntry] = frozenset()


class ConversationConfig(BaseModel):
    """How long an unfinished signing waits for its signer, and how often the idle are swept."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    idle_timeout_hours: Annotated[float, Within(0, 720, " hours", above=True, note="30 days")] = 24
    # How often a running bot erases conversations idle longer than that, and pending
    # signatures whose code can no longer confirm them (core/retention.py).
    sweep_interval_minutes: Annotated[float, Within(0, 1440, " minutes", above=True)] = 15


class ConfirmationConfig(BaseModel):
    """The emailed codes of petitions with ``confirm_email``: lifetime, tries and resends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code_lifetime_hours: Annotated[float, Within(0, 720, " hours", above=True)] = 24
    max_wrong_tries: Annotated[int, Within(1, 20)] = 5
    resend_cooldown_seconds: Annotated[float, Within(0, 86400, " seconds")] = 60
    max_emails: Annotated[int, Within(1, 20)] = 5
    # Pending signatures are erased by `purge` this long after their code expired.
    pending_grace_hours: Annotated[float, Within(0, 720, " hours")] = 24


# A broadcast typed in a chat arrives as one inbound message, so it can't be longer than one.
MAX_BROADCAST_TEXT = MAX_INBOUND_TEXT - 96


class BroadcastConfig(BaseModel):
    """How fast broadcasts go out on each platform, and how they report progress."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rates: dict[str, Rate] = Field(default_factory=dict)  # messages per second, by platform
    default_rate: Rate = 5.0
    progress_interval_seconds: Annotated[float, Within(1, 3600, " seconds", note="1 hour")] = 3.0
    max_attempts: Annotated[int, Within(1, 10)] = 3
    # Characters of a broadcast's own text; a platform that takes less gets it in several
    # messages. The bound keeps room for the opt-out line within one inbound message.
    max_length: Annotated[int, Within(1, MAX_BROADCAST_TEXT)] = 3500
    # How many processes deliver broadcasts on one shared (PostgreSQL) database: each takes
    # an equal share of every platform's rate, so together they keep within the platform's.
    dispatchers: Annotated[int, Within(1, 64)] = 1
    # How often an idle dispatcher looks for work it was not told about: on PostgreSQL a
    # confirmation anywhere wakes it at once (LISTEN/NOTIFY); the poll is the fallback.
    poll_interval_seconds: Annotated[float, Within(0.1, 86400, " seconds", note="1 day")] = 2.0

    def rate(self, platform: str) -> float:
        """This process's pace on ``platform``: its share of the configured rate."""
        return self.rates.get(platform, self.default_rate) / self.dispatchers


class CampaignConfig(BaseModel):
    """Everything the core needs to know about the campaign."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petitions: tuple[PetitionConfig, ...]
    roles: RolesConfig = RolesConfig()
    conversation: ConversationConfig = ConversationConfig()
    broadcasts: BroadcastConfig = BroadcastConfig()
    confirmation: ConfirmationConfig = ConfirmationConfig()
    flood: FloodConfig = FloodConfig()
    alerts: AlertsConfig = AlertsConfig()

    @model_validator(mode="after")
    def _one_default(self) -> CampaignConfig:
        problems = petition_list_problems(
            [p.slug for p in self.petitions], [p.default for p in self.petitions]
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def in_language(self, language: str) -> CampaignConfig:
        """The campaign with every petition as a reader of ``language`` sees it."""
        petitions = tuple(petition.in_language(language) for petition in self.petitions)
        return self.model_copy(update={"petitions": petitions})

    @property
    def default_petition(self) -> PetitionConfig:
        """The petition `/sign` means when no slug is given."""
        return next((p for p in self.petitions if p.default), self.petitions[0])

    def petition(self, slug: str | None) -> PetitionConfig | None:
        """The petition with this slug, the default one for ``None``."""
        if slug is None:
            return self.default_petition
        return next((p for p in self.petitions if p.slug == slug.lower()), None)


def petition_list_problems(slugs: Sequence[object], defaults: Sequence[object]) -> list[str]:
    """What is wrong across the petitions (none, a slug used twice, several defaults), each
    with its key path; the values may be unchecked, as read from the file."""
    if not slugs:
        return ["petitions: configure at least one [[petitions]] entry"]
    problems = []
    first: dict[str, int] = {}
    for index, slug in enumerate(slugs):
        if not isinstance(slug, str):
            continue
        if slug in first:
            problems.append(
                f'petitions[{index}].slug: "{slug}" is used by petitions[{first[slug]}] too'
                " (slugs must be unique)"
            )
        else:
            first[slug] = index
    chosen = [index for index, default in enumerate(defaults) if default is True]
    problems += [
        f"petitions[{index}].default: only one petition may have default = true"
        f" (petitions[{chosen[0]}] has it)"
        for index in chosen[1:]
    ]
    return problems
