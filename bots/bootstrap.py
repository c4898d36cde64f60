"""The one place that wires the core to its store from the configuration."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from typing import TextIO

from bots.config import AppConfig
from bots.log_privacy import OwnDebugOnly, cap_library_loggers
from core.bot import Clock, PetitionBot, utc_now
from core.urls import mask_url
from storage import open_store

# Telegram tokens (also inside Bot API URLs as bot<token>) and Discord tokens.
TOKEN_PATTERN = re.compile(
    r"bot\d+:[A-Za-z0-9_-]+|\d{6,}:[A-Za-z0-9_-]{30,}"
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
)


async def open_bot(config: AppConfig, clock: Clock = utc_now) -> PetitionBot:
    """The core bot on the configured store; close it with ``await bot.store.close()``."""
    store = await open_store(config.storage.url)
    try:
        return PetitionBot(config.campaign, store, clock=clock)
    except BaseException:
        await store.close()  # an open store's threads would keep the process from exiting
        raise


class RedactTokens(logging.Filter):
    """Blanks anything shaped like a bot token, and masks URL passwords, whatever logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = mask_url(TOKEN_PATTERN.sub("bot<redacted>", message))
        if clean != message:
            record.msg, record.args = clean, None
        return True


LOG_LEVEL_ENV = "PETITION_BOT_LOG_LEVEL"
LOG_LEVELS = ("debug", "info", "warning", "error")


def log_level(name: str) -> int:
    """The level of ``--log-level`` or ``$PETITION_BOT_LOG_LEVEL`` (any case), or why not."""
    if name.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"{name!r} is not a log level (from --log-level or {LOG_LEVEL_ENV}):"
            f" use {', '.join(LOG_LEVELS)}"
        )
    return logging.getLevelNamesMapping()[name.upper()]


def configure_logging(level: int = logging.INFO) -> None:
    """Log one line per event to stderr, tokens redacted; libraries log INFO and up whatever
    ``level`` is (their DEBUG lines hold personal data), HTTP client chatter (URLs) off."""
    handler = _StderrHandler()
    handler.addFilter(OwnDebugOnly())
    handler.addFilter(RedactTokens())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    cap_library_loggers()


class _StderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is at each line, like logging's last-resort handler:
    whoever swaps it later (a progress display, a test's capture) still gets the log."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass
