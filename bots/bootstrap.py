"""The one place that wires the core to its store from the configuration."""

from __future__ import annotations

import logging
import re

from bots.config import AppConfig
from core.bot import Clock, PetitionBot, utc_now
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
    """Blanks anything shaped like a bot token, whatever logger it comes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_PATTERN.search(message):
            record.msg = TOKEN_PATTERN.sub("bot<redacted>", message)
            record.args = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log one line per event to stderr, tokens redacted, HTTP client chatter (URLs) off."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactTokens())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
