"""The whole configuration file: the campaign plus storage and platform settings.

Tokens never live here: each platform reads its token from an environment variable.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    HttpUrl,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from core.alerts.settings import AlertsConfig
from core.bounds import Within
from core.config import (
    BroadcastConfig,
    CampaignConfig,
    ConfirmationConfig,
    ConversationConfig,
    PetitionConfig,
    RolesConfig,
    petition_list_problems,
)
from core.errors import ConfigError
from core.flood import FloodConfig
from core.storage_url import storage_kind

# Telegram's free bulk limit is about 30 messages/s: stay under it. Discord has no published
# DM rate; opening DMs too fast earns error 40003, so start conservative.
# Matrix: Synapse's default per-user message limit is low; exempt the bot account
# (README) and raise this to what the homeserver allows.
DEFAULT_BROADCAST_RATES = {"telegram": 25.0, "discord": 5.0, "matrix": 5.0}

ENV_CONFIG = "PETITION_BOT_CONFIG"
BUNDLED_EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"

DiscordId = Annotated[int, Within(1, 2**63 - 1, note="a Discord id")]


class StorageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = "sqlite:///petition.db"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        storage_kind(value)  # refuses what `open_store` could not open, with the password masked
        return value


class TelegramSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool = False
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    listen: str = "127.0.0.1"
    port: Annotated[int, Within(1, 65535)] = 8443
    url_path: str = "telegram"
    webhook_url: str | None = None
    secret_token_env: str = "TELEGRAM_WEBHOOK_SECRET"
    # People whose updates are handled at once (one person's always one at a time); more is
    # slower on one core (docs/benchmarks.md, "Telegram updates").
    concurrent_updates: Annotated[int, Within(1, 256)] = 16

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

    enabled: StrictBool = False
    guild_ids: tuple[DiscordId, ...] = ()
    moderator_role_ids: tuple[DiscordId, ...] = ()
    organizer_role_ids: tuple[DiscordId, ...] = ()
    # Sharding across processes: every Discord process names the same shard_count and its
    # own shard_ids (by default all of them). Unset: one connection, no sharding.
    shard_count: Annotated[int, Within(1, 4096)] | None = None
    shard_ids: tuple[Annotated[int, Within(0, 4095)], ...] | None = None

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordSettings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("discord.shard_ids needs discord.shard_count (the total of shards)")
        if not self.shard_ids or any(s >= self.shard_count for s in self.shard_ids):
            raise ValueError(
                f"discord.shard_ids must name shards from 0 to {self.shard_count - 1}"
                " (shard_count - 1)"
            )
        if len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError("discord.shard_ids names a shard twice")
        return self

    def with_shards(self, count: int | None, ids: tuple[int, ...] | None) -> DiscordSettings:
        """These settings with the shards `run --shard-count/--shard-ids` gave, validated."""
        data = self.model_dump()
        if count is not None:
            data["shard_count"] = count
        if ids is not None:
            data["shard_ids"] = ids
        return DiscordSettings.model_validate(data)


class EmailSettings(BaseModel):
    """How confirmation codes are emailed; the password is read from ``password_env``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transport: Literal["smtp", "console"] = "smtp"
    host: str = "127.0.0.1"
    port: Annotated[int, Within(1, 65535)] = 587
    tls: Literal["starttls", "tls", "none"] = "starttls"
    from_address: str = "petition@localhost"
    username: str | None = None
    password_env: str | None = None  # the NAME of the environment variable holding it
    timeout_seconds: Annotated[float, Within(0, 300, " seconds", above=True)] = 30
    max_connections: Annotated[int, Within(1, 100)] = 8  # to the mail server at once


class WebSettings(BaseModel):
    """The campaign site's server: count feed, live updates, widget, poster, probes, metrics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool = False
    listen: str = "127.0.0.1"
    port: Annotated[int, Within(1, 65535)] = 8080
    # Origins whose pages may read the feed from JavaScript; "*" for any.
    allowed_origins: tuple[str, ...] = ("*",)
    # How often the live count is read (one store read per petition per interval).
    event_interval_seconds: Annotated[float, Within(0.1, 60, " seconds")] = 1.0
    # How long the server keeps a petition's figures for the feed, widget and poster (one
    # store read per petition per period, whatever the traffic); 0 reads on every request.
    feed_refresh_seconds: Annotated[float, Within(0, 60, " seconds")] = 1.0
    # How long a CDN or browser may keep a feed answer.
    cache_seconds: Annotated[int, Within(0, 3600, " seconds")] = 5
    # Where the widget's "Sign on ..." links and the poster's QR code point, by platform,
    # e.g. { telegram = "https://t.me/dontrunjoe_bot", discord = "https://discord.gg/abc" }.
    sign_links: dict[Literal["telegram", "discord", "matrix"], HttpUrl] = {}
    # `/metrics` asks for "Authorization: Bearer <token>" when this variable is set.
    metrics_token_env: str = "PETITION_BOT_METRICS_TOKEN"


class MatrixSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool = False
    homeserver_url: str = "https://matrix.example.org"
    user_id: str = "@petitionbot:example.org"
    # Room members at or above this power level are moderators (checked in the core).
    moderator_power_level: Annotated[int, Within(0, 100)] | None = None
    # The device's encryption keys (with matrix-nio[e2e]); default: next to the database.
    store_path: str | None = None


class AppConfig(BaseModel):
    """The parsed configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petitions: tuple[PetitionConfig, ...]
    roles: RolesConfig = RolesConfig()
    conversation: ConversationConfig = ConversationConfig()
    broadcasts: BroadcastConfig = BroadcastConfig(rates=DEFAULT_BROADCAST_RATES)
    confirmation: ConfirmationConfig = ConfirmationConfig()
    flood: FloodConfig = FloodConfig()
    alerts: AlertsConfig = AlertsConfig()
    storage: StorageSettings = StorageSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    web: WebSettings = WebSettings()
    matrix: MatrixSettings = MatrixSettings()
    email: EmailSettings | None = None

    @model_validator(mode="after")
    def _confirmation_has_mail(self) -> AppConfig:
        if self.email is None:
            for index, petition in enumerate(self.petitions):
                if petition.confirm_email:
                    raise ValueError(
                        f"petitions[{index}].confirm_email: true needs an [email] section"
                        ' (transport = "console" to try it without a mail server)'
                    )
        return self

    @property
    def campaign(self) -> CampaignConfig:
        """The core's view, with platform role ids folded into role groups."""
        roles = self.roles.model_copy(
            update={
                "organizer_groups": self.roles.organizer_groups
                | {f"discord:{i}" for i in self.discord.organizer_role_ids},
                "moderator_groups": self.roles.moderator_groups
                | {f"discord:{i}" for i in self.discord.moderator_role_ids}
                | _power_group(self.matrix),
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
            confirmation=self.confirmation,
            flood=self.flood,
            alerts=self.alerts,
        )


def _power_group(matrix: MatrixSettings) -> set[str]:
    """Matrix's moderators by power level: the group its adapter gives them (bots/matrix)."""
    return set() if matrix.moderator_power_level is None else {"matrix:power:moderator"}


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
    """Validate already-parsed TOML data; every problem is reported at once."""
    problems = _petition_list_problems(data)
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()] + problems
    if problems:
        raise ConfigError(source, sorted(problems, key=_file_order))
    try:
        config.campaign  # noqa: B018 - validates the campaign as a whole, as the core sees it
    except ValidationError as exc:
        raise ConfigError(source, [_describe(error) for error in exc.errors()]) from exc
    return config


def _petition_list_problems(data: dict[str, Any]) -> list[str]:
    """Duplicate slugs and defaults, checked on the raw entries so that they are reported
    beside any problem inside an entry (pydantic checks the whole list only once all its
    entries are valid)."""
    petitions = data.get("petitions")
    if not isinstance(petitions, list):
        return []  # missing or not a list of tables: pydantic says so
    entries = [p if isinstance(p, dict) else {} for p in petitions]
    return petition_list_problems(
        [p.get("slug") for p in entries], [p.get("default") for p in entries]
    )


def _file_order(problem: str) -> tuple[int, int]:
    """Problems in the order of the file's tables (petitions by index), stable otherwise."""
    match = re.match(r"(\w+)(?:\[(\d+)\])?", problem)
    tables = list(AppConfig.model_fields)
    if not match or match[1] not in tables:
        return len(tables), 0
    return tables.index(match[1]), int(match[2] or 0)


# Pydantic's words for a wrong type, in the words of someone editing a TOML file.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known setting (check the spelling)",
    "bool_type": "must be true or false (without quotes)",
    "int_from_float": "must be a whole number",
    "string_type": "must be text in quotes",
}


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        if part == "[key]":  # pydantic's marker for a problem with a key, not its value
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = _MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, "))
    if error["type"] in ("bool_type", "int_from_float", "string_type"):
        message += f", not {error['input']!r}"
    # A whole-config check (no key of its own) names its keys in its message.
    return f"{path}: {message}" if path else message
