"""What the end-to-end broadcast tests share: configuration, bulk signers, readers of results.

Imported by ``conftest.py`` and the test modules by this unique name: like ``tests/discord``,
this folder is not a package (its Discord fixtures come from the same SimCord plugin, and
the test modules' names are unique across the suite).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import simcord

from tests.fakes.telegram_api import FakeTelegramServer, SentMessage
from tests.telegram.conftest import BOT_USERNAME, ORGANIZER_ID, TOKEN, Person, config_data

__all__ = [
    "BOT_USERNAME",
    "ORGANIZER_ID",
    "SLUG",
    "TOKEN",
    "Person",
    "broadcast_config",
    "config_data",
]

SLUG = "dont-run-joe"
GOOD_FORM = {"name": "Jane Doe", "email": "jane@example.org", "postal_code": "12345"}


def broadcast_config(
    tmp_path: Path,
    tg: FakeTelegramServer,
    *,
    rates: dict[str, float] | None = None,
    discord: bool = False,
) -> dict[str, Any]:
    """The example campaign on ``tmp_path/petition.db``: Telegram on the fake server, the
    organizer `ORGANIZER_ID`, optionally Discord too and per-platform broadcast rates."""
    data = config_data(tmp_path, tg.base_url)
    if rates is not None:
        data["broadcasts"] = {"rates": rates}
    if discord:
        data["discord"] = {"enabled": True, "guild_ids": [], "moderator_role_ids": []}
    return data


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "petition.db"


def insert_signers(path: Path, user_ids: Iterable[int], platform: str = "telegram") -> int:
    """Opted-in, active signers of the example petition, straight into a migrated database
    (as the benchmarks build their audiences); returns how many."""
    now = datetime.now(UTC).isoformat()
    rows = [
        (
            SLUG,
            platform,
            str(user_id),
            f"Signer {user_id}",
            f"signer{user_id}@example.org",
            f"signer{user_id}@example.org",
            "12345",
            "US",
            f"e2e{platform}{user_id}",
            1,  # opted in to updates
            now,
        )
        for user_id in user_ids
    ]
    with sqlite3.connect(path, timeout=10) as db:
        db.executemany(
            "INSERT INTO signatures (petition, platform, user_id, name, email, email_key,"
            " postal_code, country, ref_code, opted_in, signed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def query(path: Path, sql: str, *params: object) -> list[tuple]:
    """A read of the database file, as an operator would run it (its own connection)."""
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


async def until(condition: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109 - a plain deadline reads better in tests
    """Poll ``condition`` (a process or a database changes, nothing announces it)."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.05)
    return result


async def answer(person: Person, text: str, expected: str, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109 - a plain deadline reads better in tests
    """Send ``text`` as ``person``; return the bot's next message there containing ``expected``
    (a broadcast's progress report may arrive in the organizer's chat in between)."""
    person.tg.send_text(person.user, text, chat=person.chat)
    return await person.tg.wait_for_message(person.chat_id, lambda m: expected in m.plain, timeout)


async def press(person: Person, message: SentMessage, label: str, expected: str) -> SentMessage:
    """Press the button of ``message`` whose label starts with ``label``; like `answer`."""
    [data] = [d for text, d in message.buttons if text.startswith(label) and d]
    person.tg.press_button(person.user, message, data)
    return await person.tg.wait_for_message(person.chat_id, lambda m: expected in m.plain)


def got(tg: FakeTelegramServer, chat_id: int, text: str) -> list[SentMessage]:
    """The messages in a Telegram chat that are the broadcast starting with ``text``."""
    return [m for m in tg.messages(chat_id) if m.plain.startswith(text)]


def telegram_sends(tg: FakeTelegramServer, text: str, since: int = 0) -> list[tuple[int, float]]:
    """(chat id, arrival time) of every sendMessage request carrying ``text``, answered or not,
    from request number ``since`` on."""
    return [
        (int(call.params["chat_id"]), call.at)
        for call in tg.requests[since:]
        if call.method == "sendMessage" and str(call.params.get("text", "")).startswith(text)
    ]


def received_per_chat(tg: FakeTelegramServer, chats: Iterable[int], text: str) -> Counter[int]:
    return Counter({chat: len(got(tg, chat, text)) for chat in chats})


def dm_count(member: simcord.MemberActor, text: str) -> int:
    """How many direct messages from the bot to ``member`` start with ``text``."""
    return sum(1 for m in member.user.dm_channel.history() if m.content.startswith(text))


def organizer_messages(tg: FakeTelegramServer, broadcast_id: int) -> dict[str, list[SentMessage]]:
    """The organizer's chat, sorted: progress messages, final summaries (done or cancelled)."""
    sent = tg.messages(ORGANIZER_ID)
    return {
        "progress": [m for m in sent if m.plain.startswith(f"📣 Broadcast #{broadcast_id}:")],
        "done": [m for m in sent if m.plain.startswith(f"✅ Broadcast #{broadcast_id} finished")],
        "cancelled": [
            m for m in sent if m.plain.startswith(f"⏹ Broadcast #{broadcast_id} cancelled")
        ],
    }


async def sign_in_server(
    channel: simcord.ChannelHandle, member: simcord.MemberActor, form: dict[str, str]
) -> None:
    """The whole Discord signing from `/sign` in a server channel, opting in to updates."""
    confirm = await member.slash(channel, "sign")
    shown = await member.click(confirm.response, label="Yes, I want to sign")
    consent = await member.submit_modal(shown, form)
    summary = await member.click(consent.response, label="Yes, keep me posted")
    done = await member.click(summary.response, label="✅ Sign")
    assert "Thank you" in done.response.content, done.response.content
