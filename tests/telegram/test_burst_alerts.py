"""Burst alerts end to end on Telegram: 201 signatures from one email domain within the hour
reach each moderator's private chat once, naming the domain; a second burst in the same hour
alerts nobody again. Half of the burst is stored by "another process" (a Discord one), so no
platform crosses the threshold on its own: the email domain is the burst."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from telegram.ext import Application

from bots.config import AppConfig
from bots.runtime import open_runtime
from bots.telegram_bot import adapter_of, create_application, running
from core.bot import PetitionBot
from core.models import NewSignature
from core.referrals import new_ref_code
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

from .conftest import MODERATOR_ID, ORGANIZER_ID, Person

pytestmark = [pytest.mark.timeout(120)]

SLUG = "dont-run-joe"
DOMAIN = "burst.example"
AT_ONCE = 20  # people signing at the same moment
# Half past the hour when the test starts, so the whole test stays in one hour's window.
START = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
STARTED = time.monotonic()


def clock() -> datetime:
    return START + timedelta(seconds=time.monotonic() - STARTED)


@pytest_asyncio.fixture
async def app(config: AppConfig) -> AsyncIterator[Application]:
    runtime = await open_runtime(config, clock)
    try:
        application = create_application(runtime)
        async with running(application, poll_timeout=1):
            yield application
    finally:
        await runtime.close()


@pytest_asyncio.fixture
async def core(app: Application) -> PetitionBot:
    return adapter_of(app).bot


async def stored_elsewhere(core: PetitionBot, n: int) -> None:
    """Signatures another process (Discord) stored on the same database just now."""
    for i in range(n):
        email = f"discord{i}@{DOMAIN}"
        await core.store.add_signature(
            NewSignature(
                petition=SLUG,
                platform="discord",
                user_id=str(900_000 + i),
                name="Someone Else",
                email=email,
                email_key=email,
                country="US",
                ref_code=new_ref_code(),
                consent_version="v1",
                opted_in=False,
                signed_at=clock(),
            )
        )


async def sign_on_telegram(tg: FakeTelegramServer, first: int, n: int) -> None:
    slots = asyncio.Semaphore(AT_ONCE)

    async def one(user_id: int) -> None:
        async with slots:
            person = Person(tg, user_id, f"Signer{user_id}")
            thanks = await person.sign(name="Pat Signer", email=f"pat{user_id}@{DOMAIN}")
            assert "Thank you" in thanks.plain

    await asyncio.gather(*(one(first + i) for i in range(n)))


def is_alert(message: SentMessage) -> bool:
    return "Burst of signatures" in message.plain


async def test_a_burst_from_one_domain_alerts_each_moderator_once_per_window(
    tg: FakeTelegramServer, app, core: PetitionBot, tmp_path: Path
) -> None:
    await stored_elsewhere(core, 100)
    await sign_on_telegram(tg, 10_000, 100)
    assert not [m for m in tg.messages(MODERATOR_ID) if is_alert(m)]  # 200: not above it
    await sign_on_telegram(tg, 20_000, 1)  # the 201st

    for moderator in (MODERATOR_ID, ORGANIZER_ID):
        alert = await tg.wait_for_message(moderator, is_alert)
        assert f"email domain {DOMAIN}: 201 signatures in the last hour" in alert.plain
        assert "Pat" not in alert.plain and "pat" not in alert.plain

    await sign_on_telegram(tg, 30_000, 50)  # a second burst in the same hour
    with sqlite3.connect(tmp_path / "petition.db") as db:
        alerts = db.execute("SELECT dimension, value, count FROM burst_alerts").fetchall()
    assert alerts == [("email_domain", DOMAIN, 201)]
    await asyncio.sleep(2.5)  # past the deliveries' poll: anything queued would be out
    for moderator in (MODERATOR_ID, ORGANIZER_ID):
        assert len([m for m in tg.messages(moderator) if is_alert(m)]) == 1
    assert await core.store.count(SLUG) == 251


async def test_an_alert_the_platform_rate_limits_is_sent_again_not_lost(
    tg: FakeTelegramServer, app, core: PetitionBot
) -> None:
    await stored_elsewhere(core, 200)
    # Busy hour: Telegram answers the alert to the moderator with "retry after 1 second".
    tg.fail_next("sendMessage", chat_id=MODERATOR_ID, kind="retry_after", retry_after=1)
    await sign_on_telegram(tg, 20_000, 1)  # the 201st

    alert = await tg.wait_for_message(MODERATOR_ID, is_alert)
    assert f"email domain {DOMAIN}: 201 signatures in the last hour" in alert.plain
    await tg.wait_for_message(ORGANIZER_ID, is_alert)
