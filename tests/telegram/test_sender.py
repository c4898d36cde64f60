"""The Sender port on Telegram: each platform answer becomes exactly one delivery outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter

from bots.telegram import sender as sender_module
from bots.telegram_bot import TelegramSender, adapter_of
from core.delivery import DeliveryStatus
from core.markup import Markup, Span
from core.messages import Attachment, Choice, Outbound
from tests.fakes.telegram_api import FakeTelegramServer

pytestmark = [pytest.mark.timeout(20)]

USER = 1001
NEWS = Outbound(text=Markup(spans=(Span(text="News: ", bold=True), Span(text="we won & <more>"))))


@pytest.fixture
def sender(app) -> TelegramSender:
    return adapter_of(app).sender


async def test_delivered_reports_the_message_id(
    tg: FakeTelegramServer, sender: TelegramSender
) -> None:
    result = await sender.send_to_user(str(USER), NEWS)
    assert result.status is DeliveryStatus.DELIVERED
    (sent,) = tg.messages(USER)
    assert result.message_id == str(sent.message_id)
    assert sent.plain == "News: we won & <more>" and sent.text.startswith("<b>News: </b>")


@pytest.mark.parametrize("kind", ["blocked", "deactivated", "chat_not_found"])
async def test_blocked_deactivated_or_missing_chats_are_unreachable(
    tg: FakeTelegramServer, sender: TelegramSender, kind: str
) -> None:
    tg.fail_next("sendMessage", chat_id=USER, kind=kind)
    result = await sender.send_to_user(str(USER), NEWS)
    assert result.status is DeliveryStatus.UNREACHABLE
    assert result.detail.split(":")[0] in {"Forbidden", "BadRequest"}


async def test_a_blocked_user_is_unreachable_for_good(
    tg: FakeTelegramServer, sender: TelegramSender
) -> None:
    tg.block_user(USER)
    for _ in range(2):
        assert (await sender.send_to_user(str(USER), NEWS)).status is DeliveryStatus.UNREACHABLE


async def test_rate_limited_reports_retry_after_seconds(
    tg: FakeTelegramServer, sender: TelegramSender
) -> None:
    tg.fail_next("sendMessage", chat_id=USER, kind="retry_after", retry_after=7)
    result = await sender.send_to_user(str(USER), NEWS)
    assert result.status is DeliveryStatus.RETRY_AFTER and result.retry_after == 7.0
    assert (await sender.send_to_user(str(USER), NEWS)).status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("kind", ["server_error", "bad_gateway"])
async def test_server_errors_are_failures_to_retry(
    tg: FakeTelegramServer, sender: TelegramSender, kind: str
) -> None:
    tg.fail_next("sendMessage", chat_id=USER, kind=kind)
    result = await sender.send_to_chat(str(USER), NEWS)
    assert result.status is DeliveryStatus.FAILED and result.detail.startswith("NetworkError")


async def test_a_long_message_arrives_in_pieces_with_the_buttons_last(
    tg: FakeTelegramServer, sender: TelegramSender
) -> None:
    text = Markup.plain(("🎉" * 1500 + "\n") * 4)
    buttons = ((Choice(label="OK", data="ok"),),)
    result = await sender.send_to_chat(str(USER), Outbound(text=text, choices=buttons))
    sent = tg.messages(USER)
    assert len(sent) == 4 and [m.buttons for m in sent] == [[], [], [], [("OK", "ok")]]
    assert result.message_id == str(sent[-1].message_id)


async def test_edit_in_chat_replaces_the_text_and_not_modified_is_fine(
    tg: FakeTelegramServer, sender: TelegramSender
) -> None:
    first = await sender.send_to_chat(str(USER), NEWS)
    progress = Outbound(text=Markup.plain("Sent to 10 of 20"))
    for _ in range(2):  # the second edit changes nothing: Telegram says "not modified"
        result = await sender.edit_in_chat(str(USER), first.message_id, progress)
        assert result.status is DeliveryStatus.DELIVERED
    (edited,) = tg.messages(USER)
    assert edited.plain == "Sent to 10 of 20" and len(edited.history) == 1
    missing = await sender.edit_in_chat(str(USER), "999", progress)
    assert missing.status is DeliveryStatus.FAILED


async def test_files_go_as_documents_and_png_as_photos_with_the_text_as_caption(
    tg: FakeTelegramServer, sender: TelegramSender
) -> None:
    csv = Attachment(filename="export.csv", content=b"email\na@example.org\n", mime_type="text/csv")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00"
    chart = Attachment(filename="chart.png", content=png, mime_type="image/png")
    caption = Markup(spans=(Span(text="Export <1>", bold=True),))
    await sender.send_to_chat(str(USER), Outbound(text=caption, file=csv))
    await sender.send_to_chat(str(USER), Outbound(text=Markup(), file=chart))
    long_text = Outbound(text=Markup.plain("x" * 2000), file=chart)
    result = await sender.send_to_chat(str(USER), long_text)
    sent = tg.messages(USER)
    kinds = [(m.kind, m.file.filename if m.file else None, m.plain[:10]) for m in sent]
    assert kinds == [
        ("document", "export.csv", "Export <1>"),
        ("photo", "chart.png", ""),
        ("message", None, "x" * 10),
        ("photo", "chart.png", ""),
    ]
    assert sent[0].text == "<b>Export &lt;1&gt;</b>" and sent[0].file.data == csv.content
    assert result.message_id == str(sent[-1].message_id)


async def test_an_empty_message_is_a_failure_not_a_crash(sender: TelegramSender) -> None:
    result = await sender.send_to_chat(str(USER), Outbound(text=Markup.plain("  \n")))
    assert result.status is DeliveryStatus.FAILED and result.detail == "empty message"


def encoding_bug(*args: Any, **kwargs: Any) -> Any:
    """A renderer with a bug: a lone surrogate can't be encoded."""
    return "\udc80".encode()


def validation_bug(*args: Any, **kwargs: Any) -> Any:
    """A renderer with a bug: it builds a model from a value the model refuses."""
    return TypeAdapter(int).validate_python("not a number")


@pytest.mark.parametrize(
    ("bug", "error"), [(encoding_bug, "UnicodeEncodeError"), (validation_bug, "ValidationError")]
)
async def test_a_rendering_bug_is_a_failed_delivery_with_its_traceback_logged(
    tg: FakeTelegramServer,
    sender: TelegramSender,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    bug: Callable[..., Any],
    error: str,
) -> None:
    posted = await sender.send_to_chat(str(USER), NEWS)
    assert posted.message_id is not None
    monkeypatch.setattr(sender_module, "html_pieces", bug)
    with caplog.at_level(logging.ERROR, logger=sender_module.__name__):
        results = [
            await sender.send_to_user(str(USER), NEWS),
            await sender.send_to_chat(str(USER), NEWS),
            await sender.edit_in_chat(str(USER), posted.message_id, NEWS),
        ]
    assert [(r.status, r.detail) for r in results] == [(DeliveryStatus.FAILED, error)] * 3
    logged = [r for r in caplog.records if r.name == sender_module.__name__]
    assert len(logged) == 3 and all(r.exc_info and r.exc_info[0].__name__ == error for r in logged)
    assert str(USER) in logged[0].getMessage()  # ids, never the message's words
    assert all("News" not in r.getMessage() for r in logged)
    assert len(tg.messages(USER)) == 1  # nothing half-sent

    monkeypatch.undo()  # the chat was never given up: once fixed, the next message arrives
    assert (await sender.send_to_user(str(USER), NEWS)).status is DeliveryStatus.DELIVERED


async def test_a_chat_id_telegram_does_not_know_is_unreachable(sender: TelegramSender) -> None:
    result = await sender.send_to_user("not-an-id", NEWS)
    assert result.status is DeliveryStatus.UNREACHABLE and "chat not found" in result.detail.lower()
