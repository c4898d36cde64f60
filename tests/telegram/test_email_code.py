"""Email confirmation by code on Telegram: the real python-telegram-bot against the local
Bot API server, the code read from the mail a real SMTP server (aiosmtpd) received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from telegram.ext import Application

from bots.config import parse_config
from bots.telegram_bot import adapter_of
from tests.fakes.telegram_api import FakeTelegramServer
from tests.smtp_server import SmtpServer

from .conftest import MODERATOR_ID, Person, config_data, serving

pytestmark = [pytest.mark.timeout(30)]

SLUG = "dont-run-joe"
EMAIL = "alice@example.org"


@pytest_asyncio.fixture
async def confirming(
    tmp_path: Path, tg: FakeTelegramServer, smtp: SmtpServer
) -> AsyncIterator[Application]:
    data = config_data(tmp_path, tg.base_url)
    data["petitions"] = [p | {"confirm_email": True} for p in data["petitions"]]
    data["email"] = {"transport": "smtp", "host": "127.0.0.1", "port": smtp.port, "tls": "none"}
    async with serving(parse_config(data)) as application:
        yield application


async def test_typing_the_emailed_code_confirms_the_signature_and_the_count_goes_up(
    tg: FakeTelegramServer, confirming: Application, smtp: SmtpServer, alice: Person
) -> None:
    moderator = Person(tg, MODERATOR_ID, "Mona")
    thanks = await alice.sign(email=EMAIL)
    assert "6-digit code" in thanks.plain
    assert [label for label, _ in thanks.buttons] == ["Send a new code"]
    assert ": 0 signatures," in (await moderator.ask("/count")).plain  # pending: not counted

    # The code is emailed once the signature is stored, before the reply is sent.
    (code,) = smtp.inbox.codes_to(EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "not the code" in (await alice.ask(wrong)).plain
    confirmed = await alice.ask(code)
    assert "Confirmed" in confirmed.plain and "Signatures so far: 1." in confirmed.plain
    assert ": 1 signature," in (await moderator.ask("/count")).plain
    signature = await adapter_of(confirming).bot.store.active_signature(SLUG, "telegram", "1001")
    assert signature is not None and not signature.pending
