"""Logging for every command and adapter: one line per event, no secret, no personal data.

- **No secret.** The Bot API URL holds the token, python-telegram-bot and httpx log URLs and
  error texts (``InvalidToken`` even quotes the token), discord.py logs its gateway; database
  URLs may hold a password. One filter, `RedactSecrets`, blanks every token-shaped string,
  the exact secrets it was given, and URL passwords, tracebacks included. It sits on the
  root's handlers and on the libraries' loggers themselves, so a record is clean before any
  handler sees it (pytest's caplog included).
- **No personal data.** A traceback keeps its frames but not the exceptions' messages, which
  may quote what a person sent. At DEBUG the libraries log every update, API parameter, gateway
  event and SQL statement with its parameters: names, emails, ZIP codes. DEBUG is for the
  bot's own modules (``bots``, ``core``, ``storage``), which log ids only; the libraries are
  held at INFO (the HTTP clients at WARNING: they log every URL).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import traceback
from typing import TextIO

from core.urls import mask_url

# Telegram tokens (also inside Bot API URLs as bot<token>) and Discord tokens.
TOKEN_PATTERN = re.compile(
    r"bot\d+:[A-Za-z0-9_-]+|\d{6,}:[A-Za-z0-9_-]{30,}"
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
)
REDACTED = "bot<redacted>"
OWN_PACKAGES = frozenset({"bots", "core", "storage"})
# The loggers known to dump payloads, and the lowest level each may log at, whatever the
# root level; the handler filter `OwnDebugOnly` catches any other library too.
LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "discord": logging.INFO,
    "aiosqlite": logging.INFO,
    "aiohttp": logging.INFO,
    "tornado": logging.INFO,
    "websockets": logging.INFO,
    "asyncio": logging.INFO,
    "hpack": logging.INFO,
    "nio": logging.INFO,  # its debug lines hold whole events: what people typed
    "httpx": logging.WARNING,  # request URLs (the Bot API's hold the token) at INFO
    "httpcore": logging.WARNING,
}
# Every logger the platform libraries write to (a filter on a logger sees only its own
# records, not its children's), for handlers that are not the root's (a test's capture).
LIBRARY_LOGGERS = (
    "nio",
    "httpx",
    "httpcore",
    "tornado.access",
    "tornado.application",
    "telegram",
    "telegram.Bot",
    "telegram.BaseRequest",
    "telegram.HTTPXRequest",
    "telegram.ext",
    "telegram.ext.AIORateLimiter",
    "telegram.ext.Application",
    "telegram.ext.ConversationHandler",
    "telegram.ext.ExtBot",
    "telegram.ext.JobQueue",
    "telegram.ext.Updater",
    "discord",
    "discord.client",
    "discord.gateway",
    "discord.http",
    "discord.state",
)
LOG_LEVEL_ENV = "PETITION_BOT_LOG_LEVEL"
LOG_LEVELS = ("debug", "info", "warning", "error")


class RedactSecrets(logging.Filter):
    """Blanks the known secrets, anything shaped like a bot token, and URL passwords."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """Also blank this exact value (a configured token, a webhook secret)."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        text = TOKEN_PATTERN.sub(REDACTED, text)  # ".../bot<token>/getMe" → ".../bot<redacted>/..."
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        return mask_url(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = traceback_without_messages(record.exc_info[1])  # cached text
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def traceback_without_messages(error: BaseException | None) -> str:
    """A traceback with every frame but no exception's message: a message may quote what a
    person sent (pydantic's validation errors quote their input), the frames never do."""
    if error is None:
        return ""
    lines: list[str] = []

    def chain(exc: traceback.TracebackException) -> None:
        if exc.__cause__ is not None:
            chain(exc.__cause__)
            lines.append("\nThe above exception was the direct cause of the following:\n\n")
        elif exc.__context__ is not None and not exc.__suppress_context__:
            chain(exc.__context__)
            lines.append("\nDuring handling of the above exception, another occurred:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(exc.stack.format())
        kind = exc.exc_type
        name = f"{kind.__module__}.{kind.__qualname__}" if kind is not None else "?"
        lines.append(f"{name} (its message is not logged: it may quote personal data)")

    chain(traceback.TracebackException.from_exception(error))
    return "".join(lines)


class OwnDebugOnly(logging.Filter):
    """Drops DEBUG lines of every logger but the bot's own (``bots``, ``core``, ``storage``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or record.name.split(".")[0] in OWN_PACKAGES


_REDACT = RedactSecrets()


def protect_logs(*secrets: str) -> None:
    """Blank ``secrets`` (and every token shape) in every log line; safe to call repeatedly."""
    for secret in secrets:
        _REDACT.add(secret)
    for logger in [logging.getLogger(name) for name in LIBRARY_LOGGERS]:
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)
    for handler in logging.getLogger().handlers:
        if _REDACT not in handler.filters:
            handler.addFilter(_REDACT)
    for name in ("httpx", "httpcore"):  # every request URL at INFO: on only if asked for
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def cap_library_loggers() -> None:
    """Raise the known payload-dumping loggers to their floor, so that no handler (a test's
    capture, a tool's own) ever receives their DEBUG lines; an explicit higher level stays."""
    for name, floor in LIBRARY_FLOORS.items():
        logger = logging.getLogger(name)
        if logger.level < floor:  # NOTSET (0) would inherit the root's DEBUG
            logger.setLevel(floor)


def log_level(name: str) -> int:
    """The level of ``--log-level`` or ``$PETITION_BOT_LOG_LEVEL`` (any case), or why not."""
    if name.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"{name!r} is not a log level (from --log-level or {LOG_LEVEL_ENV}):"
            f" use {', '.join(LOG_LEVELS)}"
        )
    return logging.getLevelNamesMapping()[name.upper()]


def configure_logging(level: int = logging.INFO) -> None:
    """Log one line per event to stderr, redacted; libraries at INFO and up whatever
    ``level`` is (their DEBUG lines hold personal data), HTTP client chatter (URLs) off."""
    handler = _StderrHandler()
    handler.addFilter(OwnDebugOnly())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    protect_logs()
    cap_library_loggers()


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to ``sys.stderr`` as it is at each line, like logging's last-resort handler:
    whoever swaps it later (a progress display, a test's capture) still gets the log."""

    @property  # the stream is looked up, never stored
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass
