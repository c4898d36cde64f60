"""The whole configuration file: the campaign plus storage and platform settings.

Tokens never live here: each platform reads its token from an environment variable.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.config import (
    BroadcastConfig,
    CampaignConfig,
    ConversationConfig,
    PetitionConfig,
    RolesConfig,
)

# Telegram's free bulk limit is about 30 messages/s: stay under it. Discord has no published
# DM rate; opening DMs too fast earns error 40003, so start conservative.
DEFAULT_BROADCAST_RATES = {"telegram": 25.0, "discord": 5.0}

ENV_CONFIG = "PETITION_BOT_CONFIG"
BUNDLED_EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


class ConfigError(Exception):
    """The configuration can't be used; ``problems`` name each key and what is wrong."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class StorageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = "sqlite:///petition.db"


class TelegramSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, gt=0, lt=65536)
    url_path: str = "telegram"
    webhook_url: str | None = None
    secret_token_env: str = "TELEGRAM_WEBHOOK_SECRET"

    @model_validator(mode="after")
    def _webhook_has_address(self) -> TelegramSettings:
        # Without it the library would register http://<listen>:<port>/..., which Telegram
        # can't reach; the public HTTPS address is only known to whoever deploys the bot.
        if self.enabled and self.mode == "webhook" and not self.webhook_url:
            raise ValueError(
                'mode = "webhook" needs webhook_url, the public https:// address Telegram '
                "posts updates to"
            )
        return self


class DiscordSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    guild_ids: tuple[int, ...] = ()
    moderator_role_ids: tuple[int, ...] = ()
    organizer_role_ids: tuple[int, ...] = ()


class AppConfig(BaseModel):
    """The parsed configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petitions: tuple[PetitionConfig, ...]
    roles: RolesConfig = RolesConfig()
    conversation: ConversationConfig = ConversationConfig()
    broadcasts: BroadcastConfig = BroadcastConfig(rates=DEFAULT_BROADCAST_RATES)
    storage: StorageSettings = StorageSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()

    @property
    def campaign(self) -> CampaignConfig:
        """The core's view, with platform role ids folded into role groups."""
        roles = self.roles.model_copy(
            update={
                "organizer_groups": self.roles.organizer_groups
                | {f"discord:{i}" for i in self.discord.organizer_role_ids},
                "moderator_groups": self.roles.moderator_groups
                | {f"discord:{i}" for i in self.discord.moderator_role_ids},
            }
        )
        # Rates not in the file keep the shipped defaults (Telegram 25/s, Discord 5/s).
        broadcasts = self.broadcasts.model_copy(
            update={"rates": DEFAULT_BROADCAST_RATES | self.broadcasts.rates}
        )
        return CampaignConfig(
            petitions=self.petitions,
            roles=roles,
            conversation=self.conversation,
            broadcasts=broadcasts,
        )


def find_config(explicit: str | Path | None = None) -> Path:
    """``--config``, then ``$PETITION_BOT_CONFIG``, then ``./config.toml``, then the example."""
    for candidate in (explicit, os.environ.get(ENV_CONFIG)):
        if candidate:
            path = Path(candidate)
            if not path.is_file():
                raise ConfigError(str(path), ["file not found"])
            return path
    local = Path("config.toml")
    return local if local.is_file() else BUNDLED_EXAMPLE


def load_config(path: str | Path | None = None) -> AppConfig:
    """Read and validate the configuration; raises :class:`ConfigError` listing every problem."""
    source = find_config(path)
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(source), [f"not valid TOML: {exc}"]) from exc
    except OSError as exc:
        raise ConfigError(str(source), [f"can't be read: {exc.strerror}"]) from exc
    return parse_config(data, str(source))


def parse_config(data: dict[str, Any], source: str = "config") -> AppConfig:
    """Validate already-parsed TOML data."""
    try:
        config = AppConfig.model_validate(data)
        config.campaign  # noqa: B018 - validates the campaign as a whole (defaults, unique slugs)
    except ValidationError as exc:
        raise ConfigError(source, [_describe(error) for error in exc.errors()]) from exc
    return config


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = {
        "missing": "is required",
        "extra_forbidden": "is not a known setting (check the spelling)",
        "greater_than": f"must be > {error.get('ctx', {}).get('gt')}",
    }.get(error["type"], error["msg"].removeprefix("Value error, "))
    return f"{path or 'config'}: {message}"
