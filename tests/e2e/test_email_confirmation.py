"""Email confirmation by a code typed in the chat, end to end: the real core on SQLite, codes
mailed through aiosmtplib to a real SMTP server (aiosmtpd) on 127.0.0.1, read from the mail."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from bots.config import AppConfig, EmailSettings, parse_config
from bots.runtime import Runtime, build_runtime
from core.errors import ConfigError
from core.exports import ExportFormat
from storage import SqliteStore
from tests.smtp_server import SmtpServer
from tests.unit.chat import EXAMPLE, FORMS, Chat, Clock

SLUG = EXAMPLE.campaign.default_petition.slug


def confirming_config(port: int) -> AppConfig:
    petitions = tuple(p.model_copy(update={"confirm_email": True}) for p in EXAMPLE.petitions)
    email = EmailSettings(transport="smtp", host="127.0.0.1", port=port, tls="none")
    return EXAMPLE.model_copy(update={"petitions": petitions, "email": email})


class World:
    """A runtime on one database file that a test can restart."""

    def __init__(self, path: Path, config: AppConfig, clock: Clock) -> None:
        self.path, self.config, self.clock = path, config, clock
        self.runtime: Runtime | None = None

    async def open(self) -> Runtime:
        store = await SqliteStore.open(self.path)
        self.runtime = build_runtime(self.config, store, self.clock)
        return self.runtime

    async def restart(self) -> Runtime:
        assert self.runtime is not None
        await self.runtime.close()
        return await self.open()


@pytest.fixture
async def world(tmp_path: Path, smtp: SmtpServer) -> AsyncIterator[World]:
    opened = World(tmp_path / "confirm.db", confirming_config(smtp.port), Clock())
    await opened.open()
    yield opened
    assert opened.runtime is not None
    await opened.runtime.close()


async def signed_and_mailed(world: World, smtp: SmtpServer, email: str) -> tuple[Chat, str]:
    assert world.runtime is not None
    chat = Chat(world.runtime.core)
    await chat.sign("Jane Doe", email)
    assert "6-digit code" in chat.last
    return chat, smtp.inbox.codes_to(email)[-1]


async def exported(runtime: Runtime, include_pending: bool) -> list[tuple[str, bool]]:
    return [
        (s.user_id, s.pending)
        async for batch in runtime.store.active_signatures(SLUG, include_pending=include_pending)
        for s in batch
    ]


async def test_the_right_code_confirms_and_only_then_counts(world: World, smtp: SmtpServer) -> None:
    runtime = world.runtime
    assert runtime is not None
    chat, code = await signed_and_mailed(world, smtp, "jane@example.org")
    assert smtp.inbox.mails[0]["Subject"].startswith(code)
    await chat.send("/sign")  # signing again reminds of the code, keeps one signature
    assert "waiting for the 6-digit code" in chat.last
    await chat.send("/status")
    assert "waiting for the 6-digit code" in chat.last
    await chat.send("/mydata")
    assert "waiting for the code we emailed you" in chat.last
    assert await runtime.store.count(SLUG) == 0
    assert await runtime.store.pending_count(SLUG) == 1
    assert await runtime.store.audience_counts(SLUG) == {}
    assert await exported(runtime, include_pending=False) == []
    assert await exported(runtime, include_pending=True) == [("1", True)]
    petition = runtime.config.campaign.default_petition
    stats = (await runtime.core.figures.stats(petition, world.clock.now.date())).to_plain_text()
    assert "Total: 0" in stats and "Waiting for their email code (not counted yet): 1" in stats

    await chat.send(f"{code[:3]} {code[3:]}")
    assert "Confirmed" in chat.last
    assert await runtime.store.count(SLUG) == 1
    assert await runtime.store.pending_count(SLUG) == 0
    assert await runtime.store.audience_counts(SLUG) == {"telegram": 1}
    assert await exported(runtime, include_pending=False) == [("1", False)]
    stats = (await runtime.core.figures.stats(petition, world.clock.now.date())).to_plain_text()
    assert "Total: 1" in stats and "Waiting" not in stats
    # The code is used up: typing it again confirms nothing more.
    await chat.send(code)
    assert "not understand" in chat.last.lower() or "Confirmed" not in chat.last


async def test_five_wrong_codes_lock_the_code_until_a_new_one(
    world: World, smtp: SmtpServer
) -> None:
    chat, code = await signed_and_mailed(world, smtp, "jane@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        await chat.send(wrong)
        assert f"Tries left for this code: {left}" in chat.last
    await chat.send(wrong)
    assert "Too many wrong tries" in chat.last
    await chat.send(code)  # the right one, too late
    assert "Too many wrong tries" in chat.last
    world.clock.advance(minutes=2)
    await chat.press("Send a new code")
    assert "new 6-digit code" in chat.last
    await chat.send(smtp.inbox.codes_to("jane@example.org")[-1])
    assert "Confirmed" in chat.last


async def test_an_expired_code_is_refused(world: World, smtp: SmtpServer) -> None:
    chat, code = await signed_and_mailed(world, smtp, "jane@example.org")
    world.clock.advance(hours=24, seconds=1)
    await chat.send(code)
    assert "expired" in chat.last
    assert world.runtime is not None and await world.runtime.store.count(SLUG) == 0


async def test_a_code_sent_again_late_still_confirms_after_the_sweep(
    world: World, smtp: SmtpServer
) -> None:
    runtime = world.runtime
    assert runtime is not None
    chat, _ = await signed_and_mailed(world, smtp, "jane@example.org")
    world.clock.advance(hours=40)  # the first code expired; the signer asks for another
    await chat.press("Send a new code")
    assert "new 6-digit code" in chat.last
    world.clock.advance(hours=9)  # signed 49 hours ago: past code lifetime plus grace
    await runtime.core.retention.sweep()
    await chat.send(smtp.inbox.codes_to("jane@example.org")[-1])
    assert "Confirmed" in chat.last
    assert await runtime.store.count(SLUG) == 1
    # Once the new code too is past its grace, the sweep erases the signature.
    other = Chat(runtime.core, "2")
    await other.sign("Joe Doe", "joe@example.org")
    world.clock.advance(hours=40)
    await other.press("Send a new code")
    world.clock.advance(hours=24 + 24, seconds=1)
    assert (await runtime.core.retention.sweep()).petitions[0].expired_pending == 1
    await other.send(smtp.inbox.codes_to("joe@example.org")[-1])
    assert "Confirmed" not in other.last


async def test_a_code_typed_while_the_petition_is_paused_counts_only_after_resume(
    world: World, smtp: SmtpServer
) -> None:
    runtime = world.runtime
    assert runtime is not None
    chat, code = await signed_and_mailed(world, smtp, "jane@example.org")
    petition = runtime.config.campaign.default_petition
    assert await runtime.core.lifecycles.pause(petition, "cli:organizer", world.clock.now)
    await chat.send(code)
    assert "paused" in chat.replies[-2].text.to_plain_text()
    assert "once signing resumes" in chat.last
    world.clock.advance(minutes=2)
    await chat.press("Send a new code")  # no email for a petition that takes no signatures
    assert "paused" in chat.replies[-2].text.to_plain_text()
    assert len(smtp.inbox.codes_to("jane@example.org")) == 1
    assert await runtime.store.count(SLUG) == 0
    assert await runtime.store.pending_count(SLUG) == 1
    assert await runtime.core.lifecycles.resume(petition, "cli:organizer", world.clock.now)
    await chat.send(code)  # the same code, not used up by the refusal
    assert "Confirmed" in chat.last
    assert await runtime.store.count(SLUG) == 1


async def test_resending_waits_a_minute_and_stops_after_five_emails(
    world: World, smtp: SmtpServer
) -> None:
    chat, _ = await signed_and_mailed(world, smtp, "jane@example.org")
    await chat.press("Send a new code")
    assert "you can ask for another in 60 seconds" in chat.last
    for _ in range(4):
        world.clock.advance(seconds=61)
        await chat.press("Send a new code")
        assert "new 6-digit code" in chat.last
    world.clock.advance(seconds=61)
    await chat.press("Send a new code")
    assert "all the emails we can" in chat.last
    assert len(smtp.inbox.codes_to("jane@example.org")) == 5
    # Only the latest code works.
    codes = smtp.inbox.codes_to("jane@example.org")
    if codes[0] != codes[-1]:
        await chat.send(codes[0])
        assert "Confirmed" not in chat.last
    await chat.send(codes[-1])
    assert "Confirmed" in chat.last


async def test_a_code_confirms_after_a_restart(world: World, smtp: SmtpServer) -> None:
    _, code = await signed_and_mailed(world, smtp, "jane@example.org")
    runtime = await world.restart()
    chat = Chat(runtime.core)
    await chat.send(code)
    assert "Confirmed" in chat.last
    assert await runtime.store.count(SLUG) == 1


async def test_mail_server_down_keeps_the_signature_and_sends_later(
    world: World, smtp: SmtpServer
) -> None:
    runtime = world.runtime
    assert runtime is not None
    smtp.stop()
    chat = Chat(runtime.core)
    replies = await chat.sign("Jane Doe", "jane@example.org")
    said = " ".join(r.text.to_plain_text() for r in replies)
    assert "6-digit code" in said and "could not send the email" in said
    assert await runtime.store.pending_count(SLUG) == 1
    await runtime.core.confirmation.stop()  # the test drives the retries itself

    smtp.start()
    world.clock.advance(seconds=29)
    await runtime.core.confirmation.retry_due()
    assert smtp.inbox.mails == []  # backing off
    world.clock.advance(seconds=2)
    await runtime.core.confirmation.retry_due()
    await chat.send(smtp.inbox.codes_to("jane@example.org")[-1])
    assert "Confirmed" in chat.last
    await runtime.core.confirmation.retry_due()
    assert len(smtp.inbox.mails) == 1


async def test_an_address_that_already_signed_reads_the_same_and_gets_no_code(
    world: World, smtp: SmtpServer
) -> None:
    runtime = world.runtime
    assert runtime is not None
    first, _ = await signed_and_mailed(world, smtp, "jane@example.org")
    other = Chat(runtime.core, user="2")
    await other.sign("Jane Doe", "jane@example.org")
    assert other.last == first.replies[-1].text.to_plain_text()
    assert len(smtp.inbox.mails) == 1


async def test_discord_style_form_takes_the_code(world: World, smtp: SmtpServer) -> None:
    runtime = world.runtime
    assert runtime is not None
    _, code = await signed_and_mailed(world, smtp, "jane@example.org")
    forms = Chat(runtime.core, caps=FORMS)
    await forms.press_data(f"code:enter:{SLUG}")
    assert forms.last_form_id == f"code:{SLUG}"
    await forms.submit(f"code:{SLUG}", code=code)
    assert "Confirmed" in forms.last


def test_check_config_refuses_confirm_email_without_an_email_section() -> None:
    raw: dict[str, Any] = EXAMPLE.model_dump(mode="json", exclude_none=True)
    raw["petitions"][0]["confirm_email"] = True
    raw.pop("email", None)
    with pytest.raises(ConfigError) as refused:
        parse_config(raw)
    assert "petitions[0].confirm_email: true needs an [email] section" in str(refused.value)
    raw["email"] = {"transport": "console"}
    assert parse_config(raw).petitions[0].confirm_email


async def test_the_export_holds_pending_signatures_only_when_asked_with_their_status(
    world: World, smtp: SmtpServer
) -> None:
    runtime = world.runtime
    assert runtime is not None
    await signed_and_mailed(world, smtp, "jane@example.org")

    async def csv(include_pending: bool) -> list[str]:
        out = io.StringIO(newline="")
        await runtime.core.exports.write(
            SLUG, out, ExportFormat.CSV, "console:org", world.clock.now, None, include_pending
        )
        return out.getvalue().splitlines()

    assert len(await csv(False)) == 1  # the header only
    header, row = await csv(True)
    assert header.endswith(",status") and row.endswith(",pending")
    assert "jane@example.org" in row


async def test_a_code_sent_later_is_in_the_signers_language(world: World, smtp: SmtpServer) -> None:
    """The mail server was down when Ana signed in Spanish: the background retry's email is in
    Spanish too, with the petition's Spanish title."""
    runtime = world.runtime
    assert runtime is not None
    smtp.stop()
    ana = Chat(runtime.core, language="es")
    await ana.send("/sign")
    await ana.press("Sí, quiero firmar")
    for answer in ("Ana Ruiz", "ana@example.org", "12345"):
        await ana.send(answer)
    await ana.press("Sí, mantenedme al día")
    await ana.press("✅ Firmar")
    await runtime.core.confirmation.stop()  # the test drives the retries itself
    smtp.start()
    world.clock.advance(seconds=31)
    await runtime.core.confirmation.retry_due()
    [mail] = smtp.inbox.mails
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject.endswith("es tu código para confirmar tu firma"), subject
    body = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
    assert "No te presentes, Joe" in body and "Don't Run Joe" not in body, body


async def test_signing_confirming_and_withdrawing_leave_no_log_line_about_the_signer(
    world: World, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chat, code = await signed_and_mailed(world, smtp, "zelda@example.org")
    await chat.send(code)
    assert "Confirmed" in chat.last
    await chat.send("/withdraw")
    await chat.press("Yes, withdraw")
    assert world.runtime is not None and await world.runtime.store.count(SLUG) == 0
    # Each would say, at the moment it happened, that someone signed (or had).
    events = ("email sent", "signature confirmed", "signature withdrawn")
    own = [r.getMessage() for r in caplog.records if r.name.startswith(("core.", "bots."))]
    assert not [line for line in own if any(event in line for event in events)]
    # (The test's own SMTP server, aiosmtpd's "mail.log", logs the mail it received.)
    assert not [line for line in own if "zelda" in line or code in line]
    assert own  # the bot's DEBUG lines were captured
