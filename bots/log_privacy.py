"""No personal data in the logs at any level: libraries' DEBUG lines are never written.

At DEBUG, python-telegram-bot logs every update it processes and the parameters of every API
call, discord.py every gateway event and HTTP body, aiosqlite every statement with its
parameters, and the HTTP clients every URL: the names, emails and ZIP codes of signers.
DEBUG is for the bot's own modules, which log ids and never personal data.
"""

from __future__ import annotations

import logging

OWN_PACKAGES = frozenset({"bots", "core", "storage"})
# The loggers known to dump payloads, and the lowest level each may log at, whatever the
# root level; the handler filter below catches any other library too.
LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "discord": logging.INFO,
    "aiosqlite": logging.INFO,
    "aiohttp": logging.INFO,
    "tornado": logging.INFO,
    "websockets": logging.INFO,
    "asyncio": logging.INFO,
    "hpack": logging.INFO,
    "httpx": logging.WARNING,  # request URLs (the Bot API's hold the token) at INFO
    "httpcore": logging.WARNING,
}


class OwnDebugOnly(logging.Filter):
    """Drops DEBUG lines of every logger but the bot's own (``bots``, ``core``, ``storage``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or record.name.split(".")[0] in OWN_PACKAGES


def cap_library_loggers() -> None:
    """Raise the known payload-dumping loggers to their floor, so that no handler (a test's
    capture, a tool's own) ever receives their DEBUG lines."""
    for name, floor in LIBRARY_FLOORS.items():
        logger = logging.getLogger(name)
        if logger.level < floor:  # NOTSET (0) would inherit the root's DEBUG
            logger.setLevel(floor)
