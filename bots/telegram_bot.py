"""The Telegram adapter's public entry point; the code lives in the `bots.telegram` package."""

from __future__ import annotations

from bots.telegram import (
    TOKEN_ENV,
    TelegramAdapter,
    TelegramSender,
    adapter_of,
    create_application,
    run_telegram,
    running,
)

__all__ = [
    "TOKEN_ENV",
    "TelegramAdapter",
    "TelegramSender",
    "adapter_of",
    "create_application",
    "run_telegram",
    "running",
]
