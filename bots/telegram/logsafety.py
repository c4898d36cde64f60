"""No bot token in any log line, whoever configured logging (the CLI, a test, a tool).

The Bot API URL contains the token, and python-telegram-bot and httpx log URLs and error
texts; ``InvalidToken`` even quotes the token. `bots.bootstrap.configure_logging` protects
its own handler; this filter sits on the loggers themselves, so records are clean before
any handler (pytest's caplog included) sees them, tracebacks too.
"""

from __future__ import annotations

import logging

from bots.bootstrap import TOKEN_PATTERN

REDACTED = "bot<redacted>"
# Every logger python-telegram-bot 22 and its HTTP client write to, and this adapter's own.
LOGGERS = (
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
    "bots.telegram",
    "bots.telegram.application",
    "bots.telegram.updates",
    "bots.telegram.handlers",
    "bots.telegram.menu",
    "bots.telegram.render",
    "bots.telegram.runner",
    "bots.telegram.sender",
)
QUIET = ("httpx", "httpcore")  # they log every request URL at INFO


class RedactSecrets(logging.Filter):
    """Blanks the known secrets and anything shaped like a bot token, tracebacks included."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """Also blank this exact value (the configured token, the webhook secret)."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        text = TOKEN_PATTERN.sub(REDACTED, text)  # ".../bot<token>/getMe" → ".../bot<redacted>/..."
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # formatters reuse the cached text
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


_FILTER = RedactSecrets()


def protect_logs(*secrets: str) -> None:
    """Install the filter on every logger that might see a secret; safe to call repeatedly."""
    for secret in secrets:
        _FILTER.add(secret)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for name in QUIET:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:  # an explicit choice (debugging) is respected
            logger.setLevel(logging.WARNING)
