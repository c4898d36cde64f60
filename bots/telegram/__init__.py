"""The Telegram adapter, on python-telegram-bot: updates in, core replies out, nothing decided.

Modules: ``application`` (wiring: `create_application`), ``handlers`` (update → `Inbound` →
core → replies), ``render`` (markup → Telegram HTML and keyboards), ``sender`` (the `Sender`
port and the one place Telegram errors are translated), ``updates`` (each update recorded
before Telegram forgets it, and handled once), ``ordering`` (one person's updates one at a
time), ``menu`` (the command menu) and ``runner`` (polling or webhook for
``petition-bot run``). The whole adapter is built on a `bots.runtime.Runtime`.
"""

from __future__ import annotations

import os

# python-telegram-bot 22 warns whenever a duration such as RetryAfter.retry_after is read as
# seconds; opting in to timedelta values (its future default) must happen before first use,
# so before the imports below.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bots.telegram.application import (
    TOKEN_ENV,
    TelegramAdapter,
    adapter_of,
    create_application,
)
from bots.telegram.runner import run_telegram, running
from bots.telegram.sender import TelegramSender

__all__ = [
    "TOKEN_ENV",
    "TelegramAdapter",
    "TelegramSender",
    "adapter_of",
    "create_application",
    "run_telegram",
    "running",
]
